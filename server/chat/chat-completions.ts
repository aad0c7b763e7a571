import { randomUUID } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import OpenAI from 'openai'
import type { Citation } from '../../shared/answer'
import { citationsIn } from '../../electron/engine/llm/answer/citations'
import { systemPrompt } from '../../electron/engine/llm/answer/grounded-prompt'
import type { ServiceUser } from '../auth/user-store'
import type { Queryable } from '../db/database'
import type { LoadedModel } from '../embedding/model-pool'
import { ServiceError } from '../http/service-error'
import type { DriftMonitor } from '../ops/drift-monitor'
import type { ServiceMetrics } from '../ops/service-metrics'
import { estimateTokens, groundRequest, sourcesFooter, toServiceCitation } from './answer-over-notes'
import { chatRequestSchema, messageText, type ChatRequest } from './chat-request'
import type { UpstreamTarget, Upstreams } from './upstream'
import { errorMessage } from '../../shared/errors'

export interface ChatRouting {
  /** The model name that answers over the notes. */
  ragModel: string
  small: UpstreamTarget & { pricePerMillionInput: number; pricePerMillionOutput: number }
  large: (UpstreamTarget & { pricePerMillionInput: number; pricePerMillionOutput: number }) | null
  /** Prompts above this many tokens go to the large model (when there is one). */
  largeThresholdTokens: number
  defaultMaxTokens: number
  /** Exposed names that go straight to an upstream (the desktop's own grounded prompts use them). */
  passThrough: Record<string, 'small' | 'large'>
}

export interface ChatDeps {
  db: Queryable
  routing: ChatRouting
  upstreams: Upstreams
  drift: DriftMonitor
  metrics: ServiceMetrics
  now: () => Date
  modelFor: (user: ServiceUser) => Promise<LoadedModel | null>
}

type Target = ChatRouting['small']

/** The desktop's grounded prompt begins like this: such a request is already grounded and is only forwarded. */
const GROUNDED_PREFIX = systemPrompt('').split('\n')[0].replace(/ Today is \.$/, '')

/** POST /v1/chat/completions: answers over the user's notes (the RAG model) or forwards (pass-through models). */
export async function handleChatCompletion(deps: ChatDeps, user: ServiceUser, body: unknown, response: ServerResponse, signal: AbortSignal): Promise<void> {
  const parsed = chatRequestSchema.safeParse(body)
  if (!parsed.success) {
    throw new ServiceError(400, 'invalid-request', `Bad chat request: ${parsed.error.issues.slice(0, 3).map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`)
  }
  const request = parsed.data
  const { routing } = deps
  const started = performance.now()
  const answerTokens = request.max_completion_tokens ?? request.max_tokens ?? routing.defaultMaxTokens
  const alreadyGrounded = request.messages.some((message) => message.role === 'system' && messageText(message.content).startsWith(GROUNDED_PREFIX))

  if (request.model !== routing.ragModel || alreadyGrounded) {
    const size = routing.passThrough[request.model] ?? (request.model === routing.ragModel ? null : undefined)
    if (size === undefined) throw new ServiceError(404, 'invalid-request', `No model ${request.model}; GET /v1/models lists them.`)
    const promptTokens = estimateTokens(request.messages.map((message) => messageText(message.content)).join(''))
    const target = size === 'large' && routing.large ? routing.large : size === null ? route(routing, promptTokens) : routing.small
    return forward(deps, user, request, target, { messages: null }, response, signal, started)
  }

  const model = await deps.modelFor(user)
  const context = (routing.large ?? routing.small).contextTokens
  const retrievalTimer = deps.metrics.retrievalSeconds.startTimer()
  let grounding = await groundRequest({ db: deps.db, user, request, model, drift: deps.drift, contextTokens: context, answerTokens, now: deps.now, signal })
  let target = grounding.kind === 'ask' ? route(routing, grounding.promptTokens) : routing.small
  if (grounding.kind === 'ask' && grounding.promptTokens + answerTokens > target.contextTokens) {
    // Packed for the large context but it goes to the small model: pack again to fit.
    grounding = await groundRequest({ db: deps.db, user, request, model, drift: deps.drift, contextTokens: target.contextTokens, answerTokens, now: deps.now, signal })
    target = routing.small
  }
  retrievalTimer()
  if (grounding.kind === 'fixed') {
    if (grounding.reason === 'outside-notes') deps.metrics.outsideNotes.inc({ user: user.name })
    return answerFixed(deps, user, request, grounding.text, response, started)
  }
  const sources = grounding.sources
  return forward(deps, user, request, target, { messages: grounding.messages, sources }, response, signal, started)
}

function route(routing: ChatRouting, promptTokens: number): Target {
  return routing.large && promptTokens > routing.largeThresholdTokens ? routing.large : routing.small
}

/** The messages to send instead of the request's (null: forward as is) and the passages they number. */
interface Grounded {
  messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }> | null
  sources?: Citation[]
}

async function forward(deps: ChatDeps, user: ServiceUser, request: ChatRequest, target: Target, grounded: Grounded, response: ServerResponse, signal: AbortSignal, started: number): Promise<void> {
  const client = deps.upstreams.client(target)
  const { model: _model, stream, stream_options: _streamOptions, ...rest } = request
  const messages = grounded.messages ?? request.messages
  const id = `chatcmpl-${randomUUID()}`
  const created = Math.floor(Date.now() / 1000)
  const exposed = request.model
  let text = ''
  let firstTokenMs: number | null = null
  let usage: { prompt_tokens: number; completion_tokens: number } | null = null
  let finishReason: string | null = null
  let outcome = 'ok'
  const finish = async () => {
    const totalMs = performance.now() - started
    const tokensIn = usage?.prompt_tokens ?? estimateTokens(messages.map((message) => messageText(message.content as never)).join(''))
    const tokensOut = usage?.completion_tokens ?? estimateTokens(text)
    const cost = (tokensIn * target.pricePerMillionInput + tokensOut * target.pricePerMillionOutput) / 1e6
    deps.metrics.chatSeconds.observe({ model: target.model, outcome }, totalMs / 1000)
    if (firstTokenMs !== null) deps.metrics.timeToFirstToken.observe({ model: target.model }, firstTokenMs / 1000)
    deps.metrics.tokens.inc({ user: user.name, model: target.model, direction: 'prompt' }, tokensIn)
    deps.metrics.tokens.inc({ user: user.name, model: target.model, direction: 'completion' }, tokensOut)
    deps.metrics.cost.inc({ user: user.name, model: target.model }, cost)
    await deps.db.query('INSERT INTO requests (user_id, model, outcome, tokens_in, tokens_out, cost, ttft_ms, total_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
      user.id, target.model, outcome, tokensIn, tokensOut, cost, firstTokenMs, totalMs,
    ])
  }
  const citationsFor = (answer: string) => (grounded.sources ? citationsIn(answer, grounded.sources).map(toServiceCitation) : [])

  const upstreamBody = { ...rest, model: target.model, messages } as OpenAI.Chat.Completions.ChatCompletionCreateParams
  try {
    if (!stream) {
      const completion = await client.chat.completions.create({ ...upstreamBody, stream: false } as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming, { signal })
      firstTokenMs = performance.now() - started
      text = completion.choices[0]?.message?.content ?? ''
      usage = completion.usage ?? null
      const citations = citationsFor(text)
      const content = text + sourcesFooter(citations)
      await finish()
      const payload = { ...completion, id, model: exposed, choices: completion.choices.map((choice, index) => (index === 0 ? { ...choice, message: { ...choice.message, content } } : choice)), ...(grounded.sources ? { citations } : {}) }
      return sendJson(response, 200, payload)
    }
    const upstream = await client.chat.completions.create({ ...upstreamBody, stream: true, stream_options: { include_usage: true } } as OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming, { signal })
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' })
    const write = (chunk: Record<string, unknown>) => response.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: exposed, ...chunk })}\n\n`)
    write({ choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })
    for await (const chunk of upstream) {
      if (chunk.usage) usage = chunk.usage
      const choice = chunk.choices?.[0]
      if (!choice) continue
      const delta = choice.delta ?? {}
      if (typeof delta.content === 'string' && delta.content.length > 0) {
        firstTokenMs ??= performance.now() - started
        text += delta.content
      }
      if (choice.finish_reason) finishReason = choice.finish_reason
      const { role: _role, ...pieces } = delta as Record<string, unknown>
      if (Object.keys(pieces).some((key) => pieces[key] !== undefined && pieces[key] !== null && pieces[key] !== '')) {
        write({ choices: [{ index: 0, delta: pieces, finish_reason: null }] })
      }
    }
    const citations = citationsFor(text)
    const footer = sourcesFooter(citations)
    if (footer) write({ choices: [{ index: 0, delta: { content: footer }, finish_reason: null }] })
    write({ choices: [{ index: 0, delta: {}, finish_reason: finishReason ?? 'stop' }], ...(grounded.sources ? { citations } : {}) })
    if (request.stream_options?.include_usage) {
      const promptTokens = usage?.prompt_tokens ?? 0
      const completionTokens = usage?.completion_tokens ?? 0
      write({ choices: [], usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens } })
    }
    response.end('data: [DONE]\n\n')
    await finish()
  } catch (error) {
    outcome = signal.aborted ? 'aborted' : 'upstream-error'
    await finish().catch(() => undefined)
    if (signal.aborted) {
      response.destroy()
      return
    }
    const message = errorMessage(error)
    if (response.headersSent) {
      // Mid-stream: the status is already sent, so the failure goes in the stream, as OpenAI-compatible servers do.
      response.end(`data: ${JSON.stringify({ error: { code: 'internal', message: `The upstream model failed: ${message}` } })}\n\n`)
      return
    }
    const status = error instanceof OpenAI.APIError && error.status === 429 ? 429 : 502
    throw new ServiceError(status, status === 429 ? 'rate-limited' : 'internal', `The upstream model ${target.model} failed: ${message}`, status === 429 ? { 'retry-after': '5' } : {})
  }
}

async function answerFixed(deps: ChatDeps, user: ServiceUser, request: ChatRequest, text: string, response: ServerResponse, started: number): Promise<void> {
  const id = `chatcmpl-${randomUUID()}`
  const created = Math.floor(Date.now() / 1000)
  const totalMs = performance.now() - started
  deps.metrics.chatSeconds.observe({ model: 'none', outcome: 'fixed' }, totalMs / 1000)
  await deps.db.query('INSERT INTO requests (user_id, model, outcome, tokens_in, tokens_out, cost, ttft_ms, total_ms) VALUES ($1, $2, $3, 0, 0, 0, $4, $4)', [user.id, 'none', 'fixed', totalMs])
  if (!request.stream) {
    return sendJson(response, 200, {
      id, object: 'chat.completion', created, model: request.model,
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
      citations: [],
    })
  }
  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' })
  const write = (chunk: Record<string, unknown>) => response.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: request.model, ...chunk })}\n\n`)
  write({ choices: [{ index: 0, delta: { role: 'assistant', content: text }, finish_reason: null }] })
  write({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], citations: [] })
  if (request.stream_options?.include_usage) write({ choices: [], usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } })
  response.end('data: [DONE]\n\n')
}

export function sendJson(response: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  if (response.destroyed) return
  const text = JSON.stringify(payload)
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers })
  response.end(text)
}
