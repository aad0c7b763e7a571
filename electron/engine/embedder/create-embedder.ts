import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { availableParallelism } from 'node:os'
import { pathToFileURL } from 'node:url'
import type { Worker } from 'node:worker_threads'
import type { PreTrainedTokenizer } from '@huggingface/transformers'
import { BrainError, throwIfAborted } from '../../../shared/errors'
import type { Embedder, EmbedderInfo, EmbedderOptions } from './types'
import type { EmbeddingWorkerSettings } from './worker-protocol'
import { EmbeddingWorkerClient } from './embedding-worker-client'
import { classifyLoadError } from './load-errors'
import { locateModel } from './model-location'
import { prefixesForModel } from './model-prefixes'
import { prepareModel } from './prepared-model'
import { defaultEmbeddingWorkerUrl, spawnWorker } from './spawn-worker'
import { takeWarmEmbeddingWorker } from './warm-worker'

/** Lines whose token counts are remembered (a few MB at most); cleared whole when full. */
const LINE_COUNT_CACHE_SIZE = 50_000
const LINE_ADDITIVITY_PROBES = [
  '## Done\n\n- Shipped the search feature\n- Met Priya about the Postgres migration',
  'Week 14,\n2023: kubernetes-cluster\nv1.2.3 — café, naïve résumé!\n  indented   line',
  'x\ny\n\n\nz123abc\nCSV/JSON export (beta)',
]

export const DEFAULT_EMBEDDING_BATCH_SIZE = 16
/** Beside the user's models: copies of models with int8 weights for this CPU's kernels. Not a hub id, so no clash. */
export const PREPARED_MODELS_FOLDER = '.prepared'
/** Query vectors remembered per embedder: quick search re-embeds the same prefixes as the user types and deletes. */
export const QUERY_CACHE_SIZE = 256

/**
 * ONNX Runtime's own default counts physical cores, which on a 2-vCPU laptop VM or a hyperthreaded pair can be 1:
 * every logical core measured faster on the real-shape model (see README, Measured).
 */
export function defaultEmbeddingThreads(): number {
  return Math.max(1, availableParallelism())
}
/** Longer inputs cost quadratic attention time for little retrieval gain; most small embedders stop at 512. */
export const MAX_EMBEDDING_TOKENS = 512
/** Embedded by `fingerprint()`; changing it changes every stored fingerprint, so it never changes. */
export const FINGERPRINT_PROBE = 'notes-rag fingerprint probe: the quick brown fox jumps over the lazy dog on 2024-03-11.'

function toUrl(value: string | URL): URL {
  if (value instanceof URL) return value
  return value.startsWith('file:') ? new URL(value) : pathToFileURL(value)
}

/** Spawns one more worker for the same model with these settings changed (the query worker). */
export type SpawnEmbeddingWorker = (overrides: Partial<EmbeddingWorkerSettings>) => Worker

/**
 * An Embedder whose model runs in worker threads. Passages go to the bulk worker, whose threads run at a lower OS
 * priority where the OS allows it; once bulk work starts, queries get a worker of their own with one thread. ONNX
 * Runtime's Node binding runs a session on the calling thread, so a query in the bulk worker, even first in line,
 * waits for the batch in flight (seconds at the real chunk size); in its own thread it waits for its own few tokens.
 */
export class WorkerEmbedder implements Embedder {
  private queryWorker: EmbeddingWorkerClient | null = null
  /** Set once the query worker is loaded; queries go to the bulk worker (ahead of its queue) until then. */
  private queryWorkerReady = false
  private queryWorkerFailed = false
  private disposed = false
  private infoValue: EmbedderInfo | null = null
  private tokenizer: PreTrainedTokenizer | null = null
  private tokenizerFolder: string | null = null
  private tokenizerLoading: Promise<void> | null = null
  private lineAdditive = false
  private readonly lineCounts = new Map<string, number>()
  private readonly queryCache = new Map<string, Float32Array>()
  private cacheHits = 0

  constructor(
    /** The bulk worker's client (created by `createEmbedder`, so a warm worker can be configured through it). */
    private readonly bulk: EmbeddingWorkerClient,
    private readonly batchSize: number,
    /** Absent: queries share the bulk worker (jumping its queue), as benchmarks do to measure the difference. */
    private readonly spawnQueryWorker: SpawnEmbeddingWorker | null = null,
    /** Whether the model runs from a prepared copy with int8 weights (see prepared-model.ts). */
    readonly signedInt8Weights = false,
  ) {}

  get info(): EmbedderInfo {
    if (!this.infoValue) throw new BrainError('embedding-unavailable', 'The embedder has not finished loading.')
    return this.infoValue
  }

  /** Batches the workers have finished since start, queries included: lets callers and tests observe progress. */
  get batchesCompleted(): number {
    return this.bulk.batchesCompleted + (this.queryWorker?.batchesCompleted ?? 0)
  }

  /** Whether queries now run in their own worker beside the bulk work (tests and benchmarks look). */
  get queriesHaveOwnWorker(): boolean {
    return this.queryWorkerReady
  }

  /**
   * Resolves once the worker has loaded the model. The tokenizer for `countTokens` loads on this thread only when
   * chunking first needs it (`prepareTokenizer`): a search never counts tokens, and Transformers.js on this thread
   * would cost it a few hundred ms of CPU beside the worker's own start.
   */
  async load(modelId: string, tokenizerFolder: string, signal?: AbortSignal): Promise<void> {
    const { dimensions, maxTokens } = await this.bulk.whenLoaded(signal)
    throwIfAborted(signal)
    this.tokenizerFolder = tokenizerFolder
    this.infoValue = {
      modelId,
      dimensions,
      maxTokens: maxTokens === null ? MAX_EMBEDDING_TOKENS : Math.min(maxTokens, MAX_EMBEDDING_TOKENS),
      ...prefixesForModel(modelId),
    }
  }

  prepareTokenizer(): Promise<void> {
    this.tokenizerLoading ??= (async () => {
      if (this.tokenizerFolder === null) throw new BrainError('embedding-unavailable', 'The embedder has not finished loading.')
      try {
        // Imported here, not at the top: Transformers.js (with sharp and onnxruntime) is a few hundred ms of loading.
        const { AutoTokenizer } = await import('@huggingface/transformers')
        this.tokenizer = await AutoTokenizer.from_pretrained(this.tokenizerFolder, { local_files_only: true })
        this.lineAdditive = this.checkLineAdditive()
      } catch (error) {
        // The worker loaded the same files moments ago, so this is rare (a file changed since): said the same way.
        throw BrainError.fromData(classifyLoadError(error, false))
      }
    })()
    return this.tokenizerLoading
  }

  countTokens(text: string): number {
    if (!this.tokenizer) throw new BrainError('internal', 'countTokens before prepareTokenizer() resolved.')
    if (!this.lineAdditive) return this.encodeLength(text)
    // The chunker counts overlapping texts (sections, blocks, items, lines, pieces) many times over: counting by line
    // lets those counts share one cache, which makes tokenizing a small part of indexing instead of most of it.
    let total = 0
    let start = 0
    for (;;) {
      const end = text.indexOf('\n', start)
      const line = end === -1 ? text.slice(start) : text.slice(start, end)
      if (line.length > 0) total += this.lineLength(line)
      if (end === -1) return total
      start = end + 1
    }
  }

  private encodeLength(text: string): number {
    return this.tokenizer!.encode(text, { add_special_tokens: false }).length
  }

  private lineLength(line: string): number {
    let count = this.lineCounts.get(line)
    if (count === undefined) {
      count = this.encodeLength(line)
      if (this.lineCounts.size >= LINE_COUNT_CACHE_SIZE) this.lineCounts.clear()
      this.lineCounts.set(line, count)
    }
    return count
  }

  /**
   * WordPiece behind BERT pre-tokenization never joins characters across a line break, so a text's count is the sum
   * of its lines' counts. Checked on probes rather than assumed, since other tokenizers (byte-level BPE) differ.
   */
  private checkLineAdditive(): boolean {
    return LINE_ADDITIVITY_PROBES.every((probe) => {
      const lines = probe.split('\n').filter((line) => line.length > 0)
      return this.encodeLength(probe) === lines.reduce((sum, line) => sum + this.encodeLength(line), 0)
    })
  }

  async embedPassages(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (texts.length === 0) {
      throwIfAborted(signal)
      return []
    }
    const prefix = this.info.passagePrefix
    this.startQueryWorker()
    return this.bulk.request(
      texts.map((text) => prefix + text),
      this.batchSize,
      'passage',
      signal,
    )
  }

  async embedQuery(text: string, signal?: AbortSignal): Promise<Float32Array> {
    const cached = this.queryCache.get(text)
    if (cached) {
      throwIfAborted(signal)
      this.cacheHits++
      // Re-insert: a Map iterates in insertion order, so the first key is always the least recently used.
      this.queryCache.delete(text)
      this.queryCache.set(text, cached)
      return cached.slice()
    }
    const worker = this.queryWorkerReady && this.queryWorker ? this.queryWorker : this.bulk
    const [vector] = await worker.request([this.info.queryPrefix + text], 1, 'query', signal)
    if (this.queryCache.size >= QUERY_CACHE_SIZE) this.queryCache.delete(this.queryCache.keys().next().value!)
    this.queryCache.set(text, vector.slice())
    return vector
  }

  /** Query vectors answered from the cache since start: lets tests and benchmarks see the cache work. */
  get queryCacheHits(): number {
    return this.cacheHits
  }

  async fingerprint(signal?: AbortSignal): Promise<Float32Array> {
    // Always the bulk worker: the stored fingerprint compares one session's output with itself across runs.
    const [vector] = await this.bulk.request([FINGERPRINT_PROBE], 1, 'query', signal)
    return vector
  }

  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    await Promise.all([this.bulk.dispose(), this.queryWorker?.dispose()])
  }

  /**
   * The first passage job starts the query worker (its files are local by then). It stays for the embedder's life: a
   * second session of a small model is tens of MB, and reloading it at every bulk pass would cost a second each time.
   */
  private startQueryWorker(): void {
    if (!this.spawnQueryWorker || this.queryWorker || this.queryWorkerFailed || this.disposed) return
    try {
      this.queryWorker = new EmbeddingWorkerClient(this.spawnQueryWorker({ threads: 1, background: false, reportProgress: false, allowDownload: false }))
    } catch (error) {
      this.queryWorkerFailed = true
      console.error('[embedder] could not start the query worker; queries wait between batches', error)
      return
    }
    this.queryWorker.whenLoaded().then(
      () => {
        this.queryWorkerReady = !this.disposed
      },
      (error: unknown) => {
        if (this.disposed) return
        this.queryWorkerFailed = true
        const worker = this.queryWorker
        this.queryWorker = null
        void worker?.dispose()
        console.error('[embedder] the query worker did not load; queries wait between batches', error)
      },
    )
  }
}

/**
 * Loads an embedding model (from `modelsDir`, a local folder, or downloaded from `remoteHost` when allowed) into a
 * worker thread (its tokenizer loads on this thread when first needed). Throws `model-missing`, `model-download-failed`, `model-corrupt`.
 */
export async function createEmbedder(options: EmbedderOptions): Promise<Embedder> {
  throwIfAborted(options.signal)
  const location = await locateModel(options, options.signal)
  throwIfAborted(options.signal)
  const prepared =
    options.signedInt8Weights === false
      ? { source: location.source, signedInt8: false }
      : await prepareModel(location, options.preparedModelsDir ?? join(options.modelsDir, PREPARED_MODELS_FOLDER), options.signal)
  const settings: EmbeddingWorkerSettings = {
    model: prepared.source,
    modelsDir: options.modelsDir,
    allowDownload: options.allowDownload && !location.installed,
    remoteHost: options.remoteHost,
    dtype: location.dtype,
    threads: options.threads && options.threads > 0 ? Math.floor(options.threads) : defaultEmbeddingThreads(),
    scheduling: { sortByLength: options.scheduling?.sortByLength ?? true, concurrentQueries: options.scheduling?.concurrentQueries ?? true },
    reportProgress: !location.installed && options.onDownloadProgress !== undefined,
    downloading: !location.installed,
    background: true,
  }
  const workerUrl = options.workerUrl ? toUrl(options.workerUrl) : defaultEmbeddingWorkerUrl()
  const spawnQueryWorker: SpawnEmbeddingWorker | null = settings.scheduling.concurrentQueries
    ? (overrides) => spawnWorker(workerUrl, { ...settings, ...overrides, downloading: false })
    : null
  // A worker the CLI started warm has loaded its libraries already; it takes these settings as its first call.
  const warm = takeWarmEmbeddingWorker(workerUrl)
  const embedder = new WorkerEmbedder(
    warm ? new EmbeddingWorkerClient(warm, options.onDownloadProgress, settings) : new EmbeddingWorkerClient(spawnWorker(workerUrl, settings), options.onDownloadProgress),
    Math.max(1, Math.floor(options.batchSize ?? DEFAULT_EMBEDDING_BATCH_SIZE)),
    spawnQueryWorker,
    prepared.signedInt8,
  )
  try {
    await embedder.load(location.modelId, location.folder, options.signal)
    return embedder
  } catch (error) {
    await embedder.dispose()
    if (!location.installed) await removePartialDownloads(location.folder)
    throw error
  }
}

/** A worker stopped mid-download leaves Transformers.js' `<file>.tmp.<pid>.<random>` files behind; they are never resumed. */
async function removePartialDownloads(folder: string): Promise<void> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => [])
  await Promise.all(
    entries
      .filter((entry) => entry.isFile() && /\.tmp\.\d+\.[a-z0-9]+$/.test(entry.name))
      .map((entry) => rm(join(entry.parentPath, entry.name), { force: true })),
  )
}
