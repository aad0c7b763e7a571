import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { SYNC_ENDPOINTS } from '../shared/sync-protocol'
import { userForToken, type ServiceUser } from './auth/user-store'
import { handleChatCompletion, sendJson, type ChatRouting } from './chat/chat-completions'
import { Upstreams } from './chat/upstream'
import type { ServerConfig } from './config'
import type { Database } from './db/database'
import { migrate } from './db/migrations'
import { openPgDatabase } from './db/pg-database'
import { openPgliteDatabase } from './db/pglite-database'
import { ModelPool, type LoadedModel } from './embedding/model-pool'
import { readBody } from './http/read-body'
import { ServiceError } from './http/service-error'
import { DriftMonitor, type DriftStatus } from './ops/drift-monitor'
import { RateLimiter } from './ops/rate-limiter'
import { ServiceMetrics } from './ops/service-metrics'
import { usageReport } from './ops/usage-report'
import { NotesSync } from './sync/notes-sync'
import { errorMessage, BrainError } from '../shared/errors'

const CHAT_BODY_LIMIT = 2 * 1024 * 1024

export interface ServiceOptions {
  config: ServerConfig
  /** An already open database (tests, the admin CLI); otherwise opened from the config and closed with the service. */
  database?: Database
  now?: () => Date
  processMetrics?: boolean
}

/**
 * The homelab side of notes-rag: receives the desktop's sync into Postgres with pgvector and answers OpenAI-compatible
 * chat requests over the synced notes. Everything it knows is in the database, so instances can run side by side.
 */
export class NotesRagService {
  readonly metrics: ServiceMetrics
  private server: http.Server | null = null
  private closed = false
  private pruneTimer: NodeJS.Timeout | null = null
  private readonly sync: NotesSync
  private readonly limiter: RateLimiter
  private readonly drift: DriftMonitor
  private readonly upstreams: Upstreams
  private readonly now: () => Date

  private constructor(
    readonly config: ServerConfig,
    readonly db: Database,
    readonly models: ModelPool,
    private readonly epoch: string,
    private readonly ownsDatabase: boolean,
    options: ServiceOptions,
  ) {
    this.now = options.now ?? (() => new Date())
    this.metrics = new ServiceMetrics({ processMetrics: options.processMetrics })
    this.sync = new NotesSync({ db, models, maxBatchBytes: config.sync.maxBatchBytes, skew: config.sync.skew })
    this.limiter = new RateLimiter(db, { chat: config.rateLimit.chatPerMinute, sync: config.rateLimit.syncPerMinute }, () => this.now().getTime())
    this.drift = new DriftMonitor(db, config.drift)
    this.upstreams = new Upstreams(config.chat.timeoutMs)
  }

  /** Opens (and migrates) the database and makes the service; `listen()` starts serving. */
  static async open(options: ServiceOptions): Promise<NotesRagService> {
    const { config } = options
    const db = options.database ?? (await openDatabase(config))
    try {
      const epoch = await migrate(db)
      const models = new ModelPool(config.embedding)
      return new NotesRagService(config, db, models, epoch, options.database === undefined, options)
    } catch (error) {
      if (!options.database) await db.close().catch(() => undefined)
      throw error
    }
  }

  /** Starts listening; resolves with the base URL (…/v1). */
  async listen(port = this.config.port, host = this.config.host): Promise<string> {
    const server = http.createServer((request, response) => void this.handle(request, response))
    this.server = server
    // Batch ids are remembered for 30 days (the contract's minimum), then forgotten once a day.
    const prune = () => void this.sync.pruneBatches(30).catch((error: unknown) => console.warn('[server] pruning old batch ids failed:', errorMessage(error)))
    prune()
    this.pruneTimer = setInterval(prune, 24 * 60 * 60 * 1000)
    this.pruneTimer.unref()
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => resolve())
    })
    return this.baseUrl
  }

  get baseUrl(): string {
    const address = this.server?.address() as AddressInfo | null
    if (!address) throw new BrainError('engine-unavailable', 'The service is not listening.')
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
    return `http://${host}:${address.port}/v1`
  }

  /** Stops serving, unloads the models and closes the database it opened; a second call does nothing. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.pruneTimer) clearInterval(this.pruneTimer)
    const server = this.server
    this.server = null
    if (server) {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
    await this.models.dispose()
    if (this.ownsDatabase) await this.db.close()
  }

  /** The model a user's queries are embedded with; null when their index has none yet (keyword search only). */
  async modelFor(user: ServiceUser): Promise<LoadedModel | null> {
    if (!user.indexModel || !user.indexFingerprint) return null
    try {
      return await this.models.load(user.indexModel)
    } catch (error) {
      console.warn(`[server] the embedding model ${user.indexModel} of ${user.name} cannot be loaded; answering from keywords only:`, errorMessage(error))
      return null
    }
  }

  /** Drift of one user's recent queries; also updates the gauges on /metrics. */
  async driftStatus(user: ServiceUser): Promise<DriftStatus> {
    const model = await this.modelFor(user)
    const baseline = model ? await this.drift.baseline(user.id, user.revision, model) : null
    const status = await this.drift.status(user.id, baseline)
    if (status.statistic !== null) this.metrics.driftStatistic.set({ user: user.name }, status.statistic)
    if (status.pValue !== null) this.metrics.driftPValue.set({ user: user.name }, status.pValue)
    this.metrics.driftAlert.set({ user: user.name }, status.alert ? 1 : 0)
    return status
  }

  private get routing(): ChatRouting {
    const { chat } = this.config
    if (!chat.small) throw new ServiceError(503, 'internal', 'No upstream model is configured (chat.small, or NOTES_RAG_SERVER_SMALL_URL and _MODEL).')
    return {
      ragModel: chat.ragModel,
      small: chat.small,
      large: chat.large,
      largeThresholdTokens: chat.largeThresholdTokens,
      defaultMaxTokens: chat.defaultMaxTokens,
      passThrough: chat.passThrough,
    }
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://service.local')
    const route = `${request.method} ${url.pathname}`
    const controller = new AbortController()
    response.on('close', () => {
      if (!response.writableFinished) controller.abort()
    })
    try {
      await this.dispatch(request, response, url, controller.signal)
    } catch (error) {
      const failure = error instanceof ServiceError ? error : new ServiceError(500, 'internal', errorMessage(error))
      if (!(error instanceof ServiceError)) console.error(`[server] ${route} failed:`, error)
      if (!response.headersSent) sendJson(response, failure.status, { error: { code: failure.code, message: failure.message, type: failure.code } }, failure.headers)
      else response.destroy()
    } finally {
      this.metrics.httpRequests.inc({ route: routeLabel(url.pathname), status: String(response.statusCode) })
    }
  }

  private async dispatch(request: http.IncomingMessage, response: http.ServerResponse, url: URL, signal: AbortSignal): Promise<void> {
    const { pathname } = url
    const method = request.method ?? 'GET'
    if (pathname === '/healthz') {
      await this.db.query('SELECT 1')
      return sendJson(response, 200, { ok: true, database: this.db.kind })
    }
    if (pathname === '/metrics' && method === 'GET') {
      if (this.config.metricsToken && request.headers.authorization !== `Bearer ${this.config.metricsToken}`) {
        throw new ServiceError(401, 'unauthorized', 'Missing or wrong metrics token.')
      }
      const text = await this.metrics.registry.metrics()
      response.writeHead(200, { 'content-type': this.metrics.registry.contentType })
      return void response.end(text)
    }
    if (!pathname.startsWith('/v1/')) throw new ServiceError(404, 'invalid-request', `No route ${method} ${pathname}.`)
    const user = await this.authenticate(request)

    if (pathname === `/v1${SYNC_ENDPOINTS.manifest}`) {
      if (method !== 'GET') throw new ServiceError(405, 'invalid-request', 'The manifest is read with GET.')
      await this.take(user, 'sync')
      const ifNoneMatch = request.headers['if-none-match']
      const result = await this.sync.manifest(user, Object.fromEntries(url.searchParams), typeof ifNoneMatch === 'string' ? ifNoneMatch : undefined, this.epoch)
      if (result.status === 304) {
        response.writeHead(304, { etag: result.etag })
        return void response.end()
      }
      return sendJson(response, 200, result.page, { etag: result.etag })
    }
    if (pathname === `/v1${SYNC_ENDPOINTS.batches}`) {
      if (method !== 'POST') throw new ServiceError(405, 'invalid-request', 'Batches are sent with POST.')
      await this.take(user, 'sync')
      if (!String(request.headers['content-type'] ?? '').startsWith('application/json')) throw new ServiceError(400, 'invalid-request', 'Content-Type must be application/json.')
      const body = await readBody(request, this.config.sync.maxBatchBytes)
      try {
        const result = await this.sync.applyBatch(user, body, this.epoch)
        this.metrics.syncBatches.inc({ user: user.name, outcome: result.replayed ? 'replayed' : 'applied' })
        if (!result.replayed) for (const item of result.results) this.metrics.syncOperations.inc({ op: item.op, status: item.status, vectors: item.vectors ?? 'n/a' })
        return sendJson(response, 200, result)
      } catch (error) {
        this.metrics.syncBatches.inc({ user: user.name, outcome: error instanceof ServiceError ? `refused-${error.status}` : 'failed' })
        throw error
      }
    }
    if (pathname === '/v1/models' && method === 'GET') {
      const created = 0
      const names = [this.config.chat.ragModel, ...Object.keys(this.config.chat.passThrough)]
      return sendJson(response, 200, { object: 'list', data: names.map((id) => ({ id, object: 'model', created, owned_by: 'notes-rag' })) })
    }
    if (pathname === '/v1/chat/completions' && method === 'POST') {
      await this.take(user, 'chat')
      const raw = await readBody(request, CHAT_BODY_LIMIT)
      let body: unknown
      try {
        body = JSON.parse(raw.toString('utf8'))
      } catch {
        throw new ServiceError(400, 'invalid-request', 'The body is not JSON.')
      }
      return handleChatCompletion(
        { db: this.db, routing: this.routing, upstreams: this.upstreams, drift: this.drift, metrics: this.metrics, now: this.now, modelFor: (who) => this.modelFor(who) },
        user,
        body,
        response,
        signal,
      )
    }
    if (pathname === '/v1/usage' && method === 'GET') {
      return sendJson(response, 200, await usageReport(this.db, user, url.searchParams.get('days')))
    }
    if (pathname === '/v1/status' && method === 'GET') {
      const counts = await this.db.query<{ notes: string; chunks: string; vectors: string }>(
        `SELECT (SELECT count(*) FROM notes WHERE user_id = $1) AS notes, count(*) AS chunks, count(embedding) AS vectors FROM chunks WHERE user_id = $1`,
        [user.id],
      )
      const row = counts.rows[0]
      return sendJson(response, 200, {
        user: user.name,
        revision: NotesSync.revisionOf(user, this.epoch),
        notes: Number(row.notes),
        chunks: Number(row.chunks),
        vectors: Number(row.vectors),
        embedding: user.indexModel ? { model: user.indexModel, modelId: user.indexModelId, dimensions: user.indexDimensions } : null,
        drift: await this.driftStatus(user),
      })
    }
    throw new ServiceError(404, 'invalid-request', `No route ${method} ${pathname}.`)
  }

  private async authenticate(request: http.IncomingMessage): Promise<ServiceUser> {
    const header = request.headers.authorization ?? ''
    const match = /^Bearer\s+(\S+)$/i.exec(header)
    const user = match ? await userForToken(this.db, match[1]) : null
    if (!user) throw new ServiceError(401, 'unauthorized', 'Missing or wrong bearer token.', { 'www-authenticate': 'Bearer' })
    return user
  }

  private async take(user: ServiceUser, bucket: 'chat' | 'sync'): Promise<void> {
    try {
      await this.limiter.take(user.id, bucket)
    } catch (error) {
      if (error instanceof ServiceError && error.status === 429) this.metrics.rateLimited.inc({ user: user.name, bucket })
      throw error
    }
  }
}

export async function openDatabase(config: ServerConfig): Promise<Database> {
  return config.database.url
    ? openPgDatabase(config.database.url, { maxConnections: config.database.maxConnections })
    : openPgliteDatabase(config.database.dataDir)
}

function routeLabel(pathname: string): string {
  return ['/healthz', '/metrics', '/v1/models', '/v1/chat/completions', '/v1/usage', '/v1/status', `/v1${SYNC_ENDPOINTS.manifest}`, `/v1${SYNC_ENDPOINTS.batches}`].includes(pathname) ? pathname : 'other'
}
