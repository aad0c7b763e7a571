import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/** A chat request as the fake gateway received it. */
export interface RecordedRequest {
  method: string
  path: string
  authorization: string | null
  body: FakeChatBody | null
}

/** The subset of an OpenAI chat-completions body the fake understands. */
export interface FakeChatBody {
  model: string
  messages: Array<{ role: string; content: string }>
  stream?: boolean
  stream_options?: { include_usage?: boolean }
  max_tokens?: number
  temperature?: number
}

/** Something to do instead of (or while) answering one request. */
export type FakeFault =
  | { type: 'status'; status: number; retryAfter?: string; message?: string }
  | { type: 'slow-first-byte'; delayMs: number }
  | { type: 'cut'; afterChunks: number }
  | { type: 'malformed'; recover: boolean }
  | { type: 'no-done' }
  | { type: 'hang' }
  /** Answers a streaming request with one plain JSON completion, as some proxies do. */
  | { type: 'ignore-stream' }

export interface FakeGatewayOptions {
  /** Required bearer token; null accepts any request. */
  token?: string | null
  models?: string[]
  /** The reply text for a chat request (default: echoes the last user message's first 40 characters). */
  reply?: (body: FakeChatBody, index: number) => string
  /** Fault injection per request; `index` counts every request, models and chat alike. */
  fault?: (request: RecordedRequest, index: number) => FakeFault | null
  /** Characters per streamed chunk. */
  chunkCharacters?: number
  /** Pause between streamed chunks. */
  chunkDelayMs?: number
  /** Rejects (400) prompts whose estimated tokens (characters / 4) plus max_tokens exceed this. */
  contextTokens?: number
}

export interface FakeGateway {
  /** Base URL including /v1. */
  readonly url: string
  readonly requests: RecordedRequest[]
  /** TCP connections accepted since start. */
  connections(): number
  chatRequests(): RecordedRequest[]
  setFault(fault: FakeGatewayOptions['fault']): void
  setReply(reply: FakeGatewayOptions['reply']): void
  close(): Promise<void>
}

/** Same estimate the gateway client uses, so tests can compare. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4)
}

/** Starts a real OpenAI-compatible HTTP server on 127.0.0.1 with scriptable replies and faults. */
export async function startFakeGateway(options: FakeGatewayOptions = {}): Promise<FakeGateway> {
  const token = options.token === undefined ? 'test-token' : options.token
  const models = options.models ?? ['small', 'large']
  let reply = options.reply ?? defaultReply
  let fault = options.fault ?? null
  const chunkCharacters = options.chunkCharacters ?? 8
  const chunkDelayMs = options.chunkDelayMs ?? 0
  const requests: RecordedRequest[] = []
  const sockets = new Set<Socket>()
  let connectionCount = 0

  const server = createServer((request, response) => {
    void handle(request, response).catch(() => response.destroy())
  })
  server.on('connection', (socket) => {
    connectionCount += 1
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const raw = await readBody(request)
    const path = (request.url ?? '/').split('?')[0]
    let body: FakeChatBody | null = null
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw) as FakeChatBody
      } catch {
        return sendJson(response, 400, { error: { message: 'invalid JSON body' } })
      }
    }
    const recorded: RecordedRequest = {
      method: request.method ?? 'GET',
      path,
      authorization: request.headers.authorization ?? null,
      body,
    }
    const index = requests.length
    requests.push(recorded)

    if (token !== null && recorded.authorization !== `Bearer ${token}`) {
      return sendJson(response, 401, { error: { message: 'invalid token', type: 'invalid_request_error' } })
    }
    const injected = fault?.(recorded, index) ?? null
    if (injected?.type === 'hang') return // never answers; close() destroys the socket
    if (injected?.type === 'status') {
      const headers: Record<string, string> = injected.retryAfter ? { 'retry-after': injected.retryAfter } : {}
      return sendJson(response, injected.status, { error: { message: injected.message ?? `injected ${injected.status}` } }, headers)
    }
    if (injected?.type === 'slow-first-byte') await sleep(injected.delayMs)
    if (response.destroyed) return

    if (request.method === 'GET' && path === '/v1/models') {
      return sendJson(response, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake' })) })
    }
    if (request.method === 'POST' && path === '/v1/chat/completions' && body) {
      const promptTokens = estimateTokens(body.messages.map((message) => message.content).join(''))
      if (options.contextTokens !== undefined && promptTokens + (body.max_tokens ?? 0) > options.contextTokens) {
        return sendJson(response, 400, {
          error: { message: `prompt of ${promptTokens} tokens + ${body.max_tokens ?? 0} exceeds context ${options.contextTokens}` },
        })
      }
      const text = reply(body, index)
      const usage = { prompt_tokens: promptTokens, completion_tokens: estimateTokens(text), total_tokens: promptTokens + estimateTokens(text) }
      if (!body.stream || injected?.type === 'ignore-stream') {
        return sendJson(response, 200, {
          id: `chatcmpl-${index}`,
          object: 'chat.completion',
          created: 0,
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
          usage,
        })
      }
      return streamReply(response, body, index, text, usage, injected)
    }
    sendJson(response, 404, { error: { message: `no route ${request.method} ${path}` } })
  }

  async function streamReply(
    response: ServerResponse,
    body: FakeChatBody,
    index: number,
    text: string,
    usage: Record<string, number>,
    injected: FakeFault | null,
  ): Promise<void> {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' })
    const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({
        id: `chatcmpl-${index}`,
        object: 'chat.completion.chunk',
        created: 0,
        model: body.model,
        choices: [{ index: 0, delta, finish_reason: finish }],
        ...extra,
      })}\n\n`
    response.write(': keep-alive\n\n')
    response.write(chunk({ role: 'assistant', content: '' }, null))
    const pieces: string[] = []
    for (let start = 0; start < text.length; start += chunkCharacters) pieces.push(text.slice(start, start + chunkCharacters))
    for (let position = 0; position < pieces.length; position += 1) {
      if (response.destroyed) return
      if (injected?.type === 'cut' && position === injected.afterChunks) {
        // Let what was written reach the client first, so the cut lands mid-answer and not before the headers.
        await new Promise<void>((resolve) => response.write('', () => resolve()))
        await sleep(20)
        response.socket?.destroy()
        return
      }
      if (injected?.type === 'malformed' && position === 1) response.write('data: {"choices": [ this is not json\n\n')
      response.write(chunk({ content: pieces[position] }, null))
      if (position % 4 === 3) response.write(': keep-alive\n\n')
      if (chunkDelayMs > 0) await sleep(chunkDelayMs)
    }
    if (injected?.type === 'malformed' && !injected.recover) {
      // Garbage and then the connection ends: the answer cannot be trusted to be complete.
      response.end('data: {"choices": [ garbage\n\n')
      return
    }
    if (injected?.type === 'no-done') {
      response.end()
      return
    }
    response.write(chunk({}, 'stop'))
    if (body.stream_options?.include_usage) {
      response.write(`data: ${JSON.stringify({ id: `chatcmpl-${index}`, object: 'chat.completion.chunk', created: 0, model: body.model, choices: [], usage })}\n\n`)
    }
    response.end('data: [DONE]\n\n')
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    connections: () => connectionCount,
    chatRequests: () => requests.filter((request) => request.path === '/v1/chat/completions'),
    setFault: (next) => {
      fault = next ?? null
    },
    setReply: (next) => {
      reply = next ?? defaultReply
    },
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

function defaultReply(body: FakeChatBody): string {
  const last = [...body.messages].reverse().find((message) => message.role === 'user')
  return `Echo: ${(last?.content ?? '').slice(0, 40)}`
}

function sendJson(response: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(value)
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers })
  response.end(text)
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = []
    request.on('data', (part: Buffer) => parts.push(part))
    request.on('end', () => resolve(Buffer.concat(parts).toString('utf8')))
    request.on('error', reject)
  })
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
