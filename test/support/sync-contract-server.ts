import { createHash } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  MANIFEST_PAGE_DEFAULT,
  MANIFEST_PAGE_MAX,
  SYNC_ENDPOINTS,
  SYNC_PROTOCOL_VERSION,
  batchRequestSchema,
  batchResponseSchema,
  manifestPageSchema,
  manifestQuerySchema,
  type BatchRequest,
  type BatchResponse,
  type ManifestEntry,
  type ManifestPage,
  type OperationResult,
  type SyncChunk,
  type SyncErrorCode,
} from '../../shared/sync-protocol'

/** A note as the test gateway stored it. */
export interface StoredNote {
  path: string
  sha256: string
  size: number
  content: string
  period: { start: string; end: string; source: string; inferred: boolean }
  label: string
  chunksSha256: string
  embeddingKey: string | null
  chunks: Array<Omit<SyncChunk, 'vector'> & { vector: Float32Array | null }>
}

/** A fault the next matching request(s) meet. */
export type SyncFault =
  /** Apply the batch, then drop the connection before answering (the client must retry; the retry is a replay). */
  | { kind: 'drop-after-apply' }
  /** Answer with this status without applying anything. */
  | { kind: 'status'; status: number; retryAfter?: string }
  /** Apply (batches), then answer only after `ms`: beyond the client's timeout, the answer is lost. */
  | { kind: 'delay'; ms: number }

export interface SyncContractServerOptions {
  token?: string
  /** Request bodies above this get 413 (and the manifest advertises it). */
  maxBatchBytes?: number
  /** The server's own embedding model key: vectors from any other model are dropped and the text "re-embedded".
   * Absent: the server takes whatever model the client uses. */
  serverEmbeddingKey?: string
}

/** One request the server saw. */
export interface SeenRequest {
  method: string
  path: string
  status: number
  bytes: number
  /** Date.now() when the request arrived. */
  at: number
  /** The body text of POSTs. */
  body?: string
  batchId?: string
}

/**
 * A real notes-sync gateway on 127.0.0.1 for tests: validates every request against the protocol's zod schemas
 * (anything invalid gets 400 and is recorded in `invalidRequests`, which tests assert is empty), keeps what it
 * receives in memory, and injects faults on demand.
 */
export class SyncContractServer {
  readonly notes = new Map<string, StoredNote>()
  readonly invalidRequests: Array<{ method: string; path: string; problem: string }> = []
  readonly requests: SeenRequest[] = []
  connections = 0
  batchesApplied = 0
  batchesReplayed = 0
  /** Chunks whose client vectors were refused because they came from another model. */
  reembeddedChunks = 0
  token: string
  maxBatchBytes: number
  private revisionNumber = 1
  private readonly batches = new Map<string, { hash: string; response: BatchResponse }>()
  private readonly faults: Array<{ target: 'manifest' | 'batch'; fault: SyncFault }> = []

  private constructor(
    private readonly server: http.Server,
    readonly baseUrl: string,
    private readonly options: SyncContractServerOptions,
  ) {
    this.token = options.token ?? 'test-token'
    this.maxBatchBytes = options.maxBatchBytes ?? 64 * 1024 * 1024
  }

  static async start(options: SyncContractServerOptions = {}): Promise<SyncContractServer> {
    let instance: SyncContractServer | null = null
    const server = http.createServer((request, response) => {
      void instance!.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) sendJson(response, 500, { error: { code: 'internal', message: String(error) } })
      })
    })
    server.on('connection', () => {
      if (instance) instance.connections += 1
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port
    instance = new SyncContractServer(server, `http://127.0.0.1:${port}/v1`, options)
    return instance
  }

  /** The next `times` requests to `target` meet `fault`. */
  injectFault(target: 'manifest' | 'batch', fault: SyncFault, times = 1): void {
    for (let index = 0; index < times; index += 1) this.faults.push({ target, fault })
  }

  clearFaults(): void {
    this.faults.length = 0
  }

  /** Another writer changed the server (an operator, a restore): forget a note and bump the revision. */
  forgetNote(path: string): void {
    if (this.notes.delete(path)) this.revisionNumber += 1
  }

  get revision(): string {
    return `rev-${this.revisionNumber}`
  }

  /** Requests of one kind ('manifest' | 'batch'). */
  requestsTo(target: 'manifest' | 'batch'): SeenRequest[] {
    const suffix = target === 'manifest' ? SYNC_ENDPOINTS.manifest : SYNC_ENDPOINTS.batches
    return this.requests.filter((request) => request.path.endsWith(suffix))
  }

  async close(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  // ------------------------------------------------------------------ routing

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const at = Date.now()
    const url = new URL(request.url ?? '/', 'http://127.0.0.1')
    const body = await readBody(request)
    const seen: SeenRequest = { method: request.method ?? '', path: url.pathname, status: 0, bytes: body.length, at }
    if (request.method === 'POST') seen.body = body.toString('utf8')
    this.requests.push(seen)
    const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      seen.status = status
      sendJson(response, status, payload, headers)
    }
    const fail = (status: number, code: SyncErrorCode, message: string, headers: Record<string, string> = {}) => reply(status, { error: { code, message } }, headers)
    const invalid = (problem: string) => {
      this.invalidRequests.push({ method: seen.method, path: seen.path, problem })
      fail(400, 'invalid-request', problem)
    }

    const target = url.pathname === `/v1${SYNC_ENDPOINTS.manifest}` ? 'manifest' : url.pathname === `/v1${SYNC_ENDPOINTS.batches}` ? 'batch' : null
    if (target === null) return invalid(`Unknown endpoint ${request.method} ${url.pathname}`)
    if ((target === 'manifest' && request.method !== 'GET') || (target === 'batch' && request.method !== 'POST')) {
      return invalid(`Wrong method ${request.method} for ${url.pathname}`)
    }
    if (request.headers.authorization !== `Bearer ${this.token}`) return fail(401, 'unauthorized', 'Missing or wrong bearer token.')

    const faultIndex = this.faults.findIndex((item) => item.target === target)
    const fault = faultIndex >= 0 ? this.faults.splice(faultIndex, 1)[0].fault : null
    if (fault?.kind === 'status') {
      const headers: Record<string, string> = fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}
      const code: SyncErrorCode = fault.status === 401 ? 'unauthorized' : fault.status === 413 ? 'payload-too-large' : fault.status === 429 ? 'rate-limited' : 'internal'
      return fail(fault.status, code, `Injected HTTP ${fault.status}`, headers)
    }

    if (target === 'manifest') {
      if (body.length > 0) return invalid('A manifest request has no body.')
      const query = manifestQuerySchema.safeParse(Object.fromEntries(url.searchParams))
      if (!query.success) return invalid(`Bad manifest query: ${query.error.message}`)
      const etag = `"${this.revision}"`
      if (!query.data.cursor && request.headers['if-none-match'] === etag) {
        seen.status = 304
        response.writeHead(304, { etag })
        response.end()
        return
      }
      const page = this.manifestPage(query.data.cursor ?? null, query.data.limit ? Number(query.data.limit) : MANIFEST_PAGE_DEFAULT)
      if (page === null) return invalid('Unknown cursor.')
      if (fault?.kind === 'delay') await delay(fault.ms)
      if (fault?.kind === 'drop-after-apply') return void response.socket?.destroy()
      return reply(200, assertValid(manifestPageSchema, page), { etag })
    }

    if (!String(request.headers['content-type'] ?? '').startsWith('application/json')) return invalid('Content-Type must be application/json.')
    if (body.length > this.maxBatchBytes) return fail(413, 'payload-too-large', `The body has ${body.length} bytes; the limit is ${this.maxBatchBytes}.`)
    let json: unknown
    try {
      json = JSON.parse(body.toString('utf8'))
    } catch {
      return invalid('The body is not JSON.')
    }
    const parsed = batchRequestSchema.safeParse(json)
    if (!parsed.success) return invalid(`Bad batch: ${parsed.error.message.slice(0, 2000)}`)
    const batch = parsed.data
    seen.batchId = batch.batchId
    const semanticProblem = checkBatchSemantics(batch)
    if (semanticProblem) return invalid(semanticProblem)

    const hash = createHash('sha256').update(body).digest('hex')
    const previous = this.batches.get(batch.batchId)
    let result: BatchResponse
    if (previous) {
      if (previous.hash !== hash) return fail(409, 'batch-id-reused', 'This batch id was used for a different body.')
      this.batchesReplayed += 1
      result = { ...previous.response, replayed: true }
    } else {
      result = this.apply(batch)
      this.batches.set(batch.batchId, { hash, response: result })
    }
    if (fault?.kind === 'drop-after-apply') return void response.socket?.destroy()
    if (fault?.kind === 'delay') await delay(fault.ms)
    if (response.socket?.destroyed) return
    reply(200, assertValid(batchResponseSchema, result))
  }

  // ----------------------------------------------------------------- storage

  private manifestPage(cursor: string | null, requested: number): ManifestPage | null {
    const limit = Math.min(MANIFEST_PAGE_MAX, requested)
    const paths = [...this.notes.keys()].sort()
    let start = 0
    if (cursor !== null) {
      const after = Buffer.from(cursor, 'base64url').toString('utf8')
      if (!after) return null
      start = paths.findIndex((path) => path > after)
      if (start < 0) start = paths.length
    }
    const slice = paths.slice(start, start + limit)
    const files: ManifestEntry[] = slice.map((path) => {
      const note = this.notes.get(path)!
      return { path, sha256: note.sha256, chunkCount: note.chunks.length, chunksSha256: note.chunksSha256, embeddingKey: note.embeddingKey }
    })
    const more = start + limit < paths.length
    return {
      protocol: SYNC_PROTOCOL_VERSION,
      revision: this.revision,
      files,
      nextCursor: more ? Buffer.from(slice[slice.length - 1], 'utf8').toString('base64url') : null,
      limits: { maxBatchBytes: this.maxBatchBytes },
    }
  }

  /** Applies a batch atomically: on a copy, swapped in at the end. */
  private apply(batch: BatchRequest): BatchResponse {
    const baseRevision = this.revision
    const next = new Map(this.notes)
    const results: OperationResult[] = []
    let changed = false
    const useVectors = batch.embedding !== null && (this.options.serverEmbeddingKey === undefined || this.options.serverEmbeddingKey === batch.embedding.key)
    for (const operation of batch.operations) {
      if (operation.op === 'delete') {
        const existed = next.delete(operation.path)
        changed ||= existed
        results.push({ op: 'delete', path: operation.path, status: existed ? 'applied' : 'unchanged' })
      } else if (operation.op === 'move') {
        const source = next.get(operation.from)
        if (!source || source.sha256 !== operation.sha256 || source.chunksSha256 !== operation.chunksSha256 || source.chunks.length !== operation.chunkIds.length) {
          results.push({ op: 'move', path: operation.to, from: operation.from, status: 'conflict', message: 'The source does not match.' })
          continue
        }
        next.delete(operation.from)
        next.set(operation.to, {
          ...source,
          path: operation.to,
          period: operation.period,
          label: operation.label,
          chunks: source.chunks.map((chunk, index) => ({ ...chunk, id: operation.chunkIds[index] })),
        })
        changed = true
        results.push({ op: 'move', path: operation.to, from: operation.from, status: 'applied' })
      } else {
        const key = batch.embedding?.key ?? null
        const existing = next.get(operation.path)
        const vectors = batch.embedding === null ? 'none' : useVectors ? 'stored' : 're-embedded'
        if (existing && existing.sha256 === operation.sha256 && existing.chunksSha256 === operation.chunksSha256 && existing.embeddingKey === key) {
          results.push({ op: 'upsert', path: operation.path, status: 'unchanged', vectors })
          continue
        }
        if (vectors === 're-embedded') this.reembeddedChunks += operation.chunks.length
        next.set(operation.path, {
          path: operation.path,
          sha256: operation.sha256,
          size: operation.size,
          content: operation.content,
          period: operation.period,
          label: operation.label,
          chunksSha256: operation.chunksSha256,
          embeddingKey: key,
          chunks: operation.chunks.map((chunk) => ({ ...chunk, vector: useVectors && chunk.vector !== null ? decodeFloat32(chunk.vector) : null })),
        })
        changed = true
        results.push({ op: 'upsert', path: operation.path, status: 'applied', vectors })
      }
    }
    if (changed) {
      this.notes.clear()
      for (const [path, note] of next) this.notes.set(path, note)
      this.revisionNumber += 1
    }
    this.batchesApplied += 1
    return { protocol: SYNC_PROTOCOL_VERSION, batchId: batch.batchId, replayed: false, baseRevision, revision: this.revision, results }
  }
}

/** Checks the protocol rules a schema cannot express (hashes that must match what they describe). */
function checkBatchSemantics(batch: BatchRequest): string | null {
  for (const operation of batch.operations) {
    if (operation.op !== 'upsert') continue
    const bytes = Buffer.from(operation.content, 'utf8')
    if (sha256(bytes) !== operation.sha256) return `${operation.path}: sha256 is not the SHA-256 of content`
    if (bytes.length !== operation.size) return `${operation.path}: size is not the byte length of content`
    for (const chunk of operation.chunks) {
      if (sha256(Buffer.from(chunk.embedText, 'utf8')) !== chunk.contentHash) return `${operation.path}: chunk ${chunk.ordinal} contentHash does not match embedText`
    }
    if (sha256(Buffer.from(operation.chunks.map((chunk) => chunk.contentHash).join('\n'), 'utf8')) !== operation.chunksSha256) {
      return `${operation.path}: chunksSha256 does not match the chunks`
    }
  }
  return null
}

function assertValid<T>(schema: { parse(value: unknown): T }, value: unknown): T {
  // The test server must itself speak the documented protocol, or the client tests prove nothing.
  return schema.parse(value)
}

function decodeFloat32(base64: string): Float32Array {
  const buffer = Buffer.from(base64, 'base64')
  const vector = new Float32Array(buffer.length / 4)
  for (let index = 0; index < vector.length; index += 1) vector[index] = buffer.readFloatLE(index * 4)
  return vector
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = []
    request.on('data', (part: Buffer) => parts.push(part))
    request.on('end', () => resolve(Buffer.concat(parts)))
    request.on('error', reject)
  })
}

function sendJson(response: http.ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  if (response.socket?.destroyed) return
  const text = JSON.stringify(payload)
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers })
  response.end(text)
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
