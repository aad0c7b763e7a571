import { createHash } from 'node:crypto'
import { isAbsolute, join } from 'node:path'
import { BrainError, throwIfAborted, toErrorData, type ErrorCode } from '../../../shared/errors'
import type { EmbeddingStatus } from '../../../shared/index-status'
import type { Settings } from '../../../shared/settings'
import { createEmbedder, PREPARED_MODELS_FOLDER } from '../embedder/create-embedder'
import { isModelInstalled } from '../embedder/model-location'
import type { Embedder } from '../embedder/types'
import { Emitter, type Disposable } from '../../../shared/lifecycle'
import type { MetaStore } from '../store/meta-store'
import { VectorStore } from '../store/vector-store'
import type { EmbeddingTarget } from './indexer'

export interface EmbeddingManagerOptions {
  meta: MetaStore
  /** May still be opening: the model starts loading first, and waits for the store only to pick its table. */
  vectors: VectorStore | Promise<VectorStore>
  modelsDir: string
  /** A pre-built embedder (tests, benchmarks); skips loading from settings. */
  embedder?: Embedder
  embedWorkerUrl?: URL | string
  /** Read-only models shipped with the app (the installer bundles the default embedding model). */
  bundledModelsDir?: string
  /**
   * Another process writes this data dir: use the active vector table for queries, but never switch tables,
   * reset embedded flags or announce a target (which starts reconciliation and embedding).
   */
  readOnly?: boolean
}

/** The last embedding-model load that failed, kept in SQLite state so the next run can say so at once. */
interface LoadFailure {
  modelId: string
  code: ErrorCode
  message: string
  at: string
}
const LOAD_FAILURE_KEY = 'embeddingLoadFailure'

/** Cosine similarity below which a stored fingerprint counts as a different model. */
const FINGERPRINT_MIN_COSINE = 0.999

/**
 * Owns the embedding model and decides which vector table it fills. The table name includes a hash of the
 * model's fingerprint, so a changed model (another id, or the same id with different weights) builds a new table
 * beside the old one; the old one is dropped only once the new one is complete.
 */
export class EmbeddingManager implements Disposable {
  private embedder: Embedder | null = null
  private target: EmbeddingTarget | null = null
  private currentStatus: EmbeddingStatus
  private loading: Promise<void> | null = null
  private loadAbort: AbortController | null = null
  /** Set when the stored index was built with a model whose fingerprint differs from the loaded one. */
  private changeNotice: string | null = null
  readonly onStatus = new Emitter<EmbeddingStatus>()
  /** Fires when a target table becomes available (the indexer then embeds the backlog). */
  readonly onTarget = new Emitter<EmbeddingTarget>()

  constructor(private readonly options: EmbeddingManagerOptions) {
    this.currentStatus = { type: 'unavailable', modelId: '', reason: 'Not loaded yet.', code: 'embedding-unavailable' }
  }

  get status(): EmbeddingStatus {
    return this.currentStatus
  }

  current(): EmbeddingTarget | null {
    return this.target
  }

  /** True when the model's files are already on disk (loading will not need the network). */
  /** The folder to load the model from: the user's models folder, else the app's bundled copy; null if neither has it. */
  modelsDirFor(settings: Settings['embedding']): string | null {
    const own = settings.modelsDir ?? this.options.modelsDir
    if (isModelInstalled(settings.model, own)) return own
    const bundled = this.options.bundledModelsDir
    return bundled && isModelInstalled(settings.model, bundled) ? bundled : null
  }

  /**
   * Loads (downloading when allowed) the model in the background; never throws: failures become the status.
   * `localOnly` (the `local-only` policy) forbids the network outright, the hub's HEAD probe included.
   */
  load(settings: Settings['embedding'], options: { localOnly?: boolean } = {}): Promise<void> {
    if (this.loading) return this.loading
    this.loadAbort = new AbortController()
    const signal = this.loadAbort.signal
    this.loading = this.doLoad(settings, signal, options.localOnly === true).finally(() => {
      this.loading = null
    })
    return this.loading
  }

  private async doLoad(settings: Settings['embedding'], signal: AbortSignal, localOnly: boolean): Promise<void> {
    const modelId = settings.model
    try {
      let embedder = this.options.embedder ?? null
      // Only a hub model could be downloaded; a missing local folder keeps its own "no model at" message.
      if (!embedder && localOnly && settings.allowDownload && !isAbsolute(settings.model) && !this.modelsDirFor(settings)) {
        this.setStatus({
          type: 'unavailable',
          modelId,
          code: 'model-missing',
          reason: `The embedding model ${modelId} is not installed and local-only forbids downloading it; keyword search works. Switch the routing policy to auto to download it, or point embedding.model at a local copy.`,
        })
        return
      }
      if (!embedder) {
        // A download that failed last time is most likely failing again: say so until real progress arrives,
        // rather than "loading" for as long as the attempt takes.
        const previous = this.options.meta.state.get<LoadFailure>(LOAD_FAILURE_KEY)
        const willDownload = settings.allowDownload && !localOnly && !this.modelsDirFor(settings)
        if (previous && previous.modelId === modelId && willDownload) {
          this.setStatus({
            type: 'unavailable',
            modelId,
            code: previous.code,
            reason: `The last attempt to get the embedding model failed (${previous.at}): ${previous.message} Trying again now; keyword search still works.`,
          })
        } else {
          this.setStatus({ type: 'loading', modelId })
        }
        embedder = await createEmbedder({
          model: settings.model,
          modelsDir: this.modelsDirFor(settings) ?? settings.modelsDir ?? this.options.modelsDir,
          allowDownload: settings.allowDownload && !localOnly,
          remoteHost: settings.remoteHost,
          batchSize: settings.batchSize,
          // The user's own folder: the bundled one is read-only.
          preparedModelsDir: join(this.options.modelsDir, PREPARED_MODELS_FOLDER),
          ...(settings.threads > 0 ? { threads: settings.threads } : {}),
          signal,
          ...(this.options.embedWorkerUrl ? { workerUrl: this.options.embedWorkerUrl } : {}),
          onDownloadProgress: ({ loadedBytes, totalBytes }) => this.setStatus({ type: 'downloading', modelId, loadedBytes, totalBytes }),
        })
      }
      await this.activate(embedder, signal)
      if (!this.options.readOnly && this.options.meta.state.get(LOAD_FAILURE_KEY)) this.options.meta.state.delete(LOAD_FAILURE_KEY)
    } catch (error) {
      const data = toErrorData(error)
      // Remembered across runs (a stopped load is not a failure); a reader leaves the writer's state alone.
      if (!this.options.readOnly && !signal.aborted && data.code !== 'aborted') {
        const failure: LoadFailure = { modelId, code: data.code, message: data.message, at: new Date().toISOString() }
        this.options.meta.state.set(LOAD_FAILURE_KEY, failure)
      }
      this.setStatus({
        type: 'unavailable',
        modelId,
        code: data.code,
        reason: `${data.message} Keyword search still works; vectors are added once the model is available.`,
      })
    }
  }

  private async activate(embedder: Embedder, signal: AbortSignal): Promise<void> {
    const { meta } = this.options
    const fingerprint = Array.from(await embedder.fingerprint(signal))
    const vectors = await this.options.vectors
    const fingerprintHash = createHash('sha256').update(fingerprint.map((value) => value.toFixed(4)).join(',')).digest('hex').slice(0, 8)
    const { modelId, dimensions } = embedder.info
    const table = VectorStore.tableName(`${modelId}@${fingerprintHash}`, dimensions)

    const active = meta.models.getActive()
    if (this.options.readOnly) {
      if (active?.table !== table || !(await vectors.hasTable(table))) {
        if (embedder !== this.options.embedder) await embedder.dispose()
        throw new BrainError('embedding-unavailable', `Another notes-rag process is writing this index${active ? ' with a different embedding model' : ' and has no vectors yet'}; this run searches by keyword.`)
      }
      this.embedder?.dispose()
      this.embedder = embedder
      this.target = { embedder, table }
      this.setStatus({ type: 'ready', modelId, dimensions })
      return
    }
    if (active && active.table !== table && active.modelId === modelId && cosine(active.fingerprint, fingerprint) < FINGERPRINT_MIN_COSINE) {
      this.changeNotice = `The embedding model ${modelId} no longer matches the one the index was built with (its fingerprint changed); re-embedding into a new table.`
      console.warn(`[embedding] ${this.changeNotice}`)
    }
    if (!active || active.table !== table) {
      const known = meta.models.get(table)
      meta.models.upsert({ table, modelId, dimensions, fingerprint, state: known?.state ?? 'building', createdAt: known?.createdAt ?? new Date().toISOString() })
      // Embedded flags describe the target table; reuse by content hash makes a return to a known table cheap.
      meta.resetEmbedded()
      if (!active) meta.models.setActive(table)
    }
    await vectors.ensureTable(table, dimensions)
    this.embedder?.dispose()
    this.embedder = embedder
    this.target = { embedder, table }
    this.setStatus({ type: 'ready', modelId, dimensions, ...(this.changeNotice ? { notice: this.changeNotice } : {}) })
    this.onTarget.fire(this.target)
  }

  /**
   * Called when the backlog is empty: a table being built becomes the active one, and tables of other models are
   * dropped (only now, so a half-built index never replaces a complete one).
   */
  async completeIfBuilt(signal?: AbortSignal): Promise<void> {
    // A stopped pass does not start it (the next empty backlog does); once started, its few writes finish, so a
    // shutdown right after a pass never leaves the old tables half dropped.
    throwIfAborted(signal)
    const target = this.target
    if (!target) return
    const { meta } = this.options
    const vectors = await this.options.vectors
    if (meta.chunks.countEmbedded() < meta.chunks.count()) return
    const record = meta.models.get(target.table)
    if (!record) return
    if (record.state !== 'complete') meta.models.upsert({ ...record, state: 'complete' })
    if (meta.models.getActive()?.table !== target.table) meta.models.setActive(target.table)
    for (const table of await vectors.listTables()) {
      if (table !== target.table) await vectors.dropTable(table).catch(() => undefined)
    }
    if (this.changeNotice && this.currentStatus.type === 'ready') {
      this.changeNotice = null
      this.setStatus({ type: 'ready', modelId: this.currentStatus.modelId, dimensions: this.currentStatus.dimensions })
    }
  }

  private setStatus(status: EmbeddingStatus): void {
    this.currentStatus = status
    this.onStatus.fire(status)
  }

  /** Unloads the model (settings changed); the next `load` starts afresh. */
  async unload(): Promise<void> {
    this.loadAbort?.abort()
    await this.loading?.catch(() => undefined)
    await this.embedder?.dispose()
    this.embedder = null
    this.target = null
  }

  async dispose(): Promise<void> {
    await this.unload()
    this.onStatus.dispose()
    this.onTarget.dispose()
  }
}

function cosine(a: number[], b: number[]): number {
  if (a.length !== b.length || a.length === 0) return 0
  let dot = 0
  let normA = 0
  let normB = 0
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i]
    normA += a[i] * a[i]
    normB += b[i] * b[i]
  }
  return dot / (Math.sqrt(normA * normB) || 1)
}
