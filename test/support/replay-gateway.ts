import fs from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/** One response the replay gateway gives to every chat request. */
export interface ReplayResponse {
  status: number
  contentType: string
  headers?: Record<string, string>
  /** The body bytes (a recording), or a generator of pieces for bodies too big to hold. */
  body: Buffer | (() => AsyncIterable<Buffer>)
  /** Destroy the socket after the body instead of ending the response. */
  breakAfter?: boolean
  /** Send the body in pieces of this many bytes, so every reader path sees lines and characters cut apart. */
  pieceBytes?: number
  /** Announce this Content-Length instead of sending the body chunked (0: chunked). */
  contentLength?: number
}

export interface ReplayGateway {
  /** Base URL including /v1. */
  readonly url: string
  /** Path of every request, in order. */
  readonly requests: Array<{ method: string; path: string; body: string }>
  /** Bytes of chat bodies written to the socket so far. */
  bytesWritten(): number
  setResponse(response: ReplayResponse): void
  close(): Promise<void>
}

/** A response from a recording file on disk. */
export function replayFile(file: string, options: Omit<ReplayResponse, 'body'>): ReplayResponse {
  return { ...options, body: fs.readFileSync(file) }
}

/**
 * A real loopback HTTP server that answers `POST /v1/chat/completions` with a recorded body, byte for byte, and
 * `GET /v1/models` with a fixed list, as a homelab gateway in front of a provider would.
 */
export async function startReplayGateway(options: { models?: string[]; response?: ReplayResponse } = {}): Promise<ReplayGateway> {
  const models = options.models ?? ['small', 'large']
  let current: ReplayResponse | null = options.response ?? null
  const requests: ReplayGateway['requests'] = []
  const sockets = new Set<Socket>()
  let written = 0

  const server = createServer((request, response) => {
    void handle(request, response).catch(() => response.destroy())
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request)
    const path = (request.url ?? '/').split('?')[0]
    requests.push({ method: request.method ?? 'GET', path, body })
    if (request.method === 'GET' && path === '/v1/models') {
      const text = JSON.stringify({ object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'replay' })) })
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
      response.end(text)
      return
    }
    if (request.method !== 'POST' || path !== '/v1/chat/completions' || !current) {
      response.writeHead(404, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ error: { message: `no route ${request.method} ${path}` } }))
      return
    }
    const replay = current
    const headers: Record<string, string | number> = { 'content-type': replay.contentType, ...(replay.headers ?? {}) }
    if (replay.contentLength) headers['content-length'] = replay.contentLength
    response.writeHead(replay.status, headers)
    const pieces = typeof replay.body === 'function' ? replay.body() : split(replay.body, replay.pieceBytes ?? 97)
    for await (const piece of pieces) {
      if (response.destroyed || response.socket?.destroyed) return
      written += piece.length
      // Respect back-pressure, so "bytes written" is what the client really took.
      if (!response.write(piece)) await new Promise<void>((resolve) => {
        const done = () => {
          response.off('drain', done)
          response.off('close', done)
          resolve()
        }
        response.on('drain', done)
        response.on('close', done)
      })
    }
    if (replay.breakAfter) {
      await new Promise<void>((resolve) => response.write('', () => resolve()))
      await new Promise((resolve) => setTimeout(resolve, 20))
      response.socket?.destroy()
      return
    }
    response.end()
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    bytesWritten: () => written,
    setResponse: (response) => {
      current = response
    },
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

async function* split(body: Buffer, size: number): AsyncIterable<Buffer> {
  for (let start = 0; start < body.length; start += size) yield body.subarray(start, start + size)
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = []
    request.on('data', (part: Buffer) => parts.push(part))
    request.on('end', () => resolve(Buffer.concat(parts).toString('utf8')))
    request.on('error', reject)
  })
}
