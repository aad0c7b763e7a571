import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { availableParallelism } from 'node:os'
import { pathToFileURL } from 'node:url'
import type { Worker } from 'node:worker_threads'
import { AutoTokenizer, type PreTrainedTokenizer } from '@huggingface/transformers'
import { BrainError, throwIfAborted, abortedError } from '../../../shared/errors'
import type { Embedder, EmbedderInfo, EmbedderOptions } from './types'
import type { EmbeddingPriority, EmbeddingWorkerMessage, EmbeddingWorkerRequest, EmbeddingWorkerSettings } from './worker-protocol'
import { classifyLoadError } from './load-errors'
import { locateModel } from './model-location'
import { prefixesForModel } from './model-prefixes'
import { spawnWorker } from './spawn-worker'


/** Lines whose token counts are remembered (a few MB at most); cleared whole when full. */
const LINE_COUNT_CACHE_SIZE = 50_000
const LINE_ADDITIVITY_PROBES = [
  '## Done\n\n- Shipped the search feature\n- Met Priya about the Postgres migration',
  'Week 14,\n2023: kubernetes-cluster\nv1.2.3 — café, naïve résumé!\n  indented   line',
  'x\ny\n\n\nz123abc\nCSV/JSON export (beta)',
]

export const DEFAULT_EMBEDDING_BATCH_SIZE = 16
const WORKER_CLOSE_TIMEOUT_MS = 10_000
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

interface PendingRequest {
  resolve(vectors: Float32Array[]): void
  reject(error: BrainError): void
}

function defaultWorkerUrl(): URL {
  // From sources (vitest, tsx) this module is a .ts file and so is the worker; from a build both are .js.
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
  return new URL(`./embedding-worker${extension}`, import.meta.url)
}

function toUrl(value: string | URL): URL {
  if (value instanceof URL) return value
  return value.startsWith('file:') ? new URL(value) : pathToFileURL(value)
}

/** An Embedder whose model runs in a worker thread, with queries scheduled ahead of passage batches. */
export class WorkerEmbedder implements Embedder {
  private readonly pending = new Map<number, PendingRequest>()
  private nextId = 1
  private failure: BrainError | null = null
  private disposed = false
  private exited = false
  private completedBatches = 0
  private loaded: { resolve(dimensions: number): void; reject(error: BrainError): void } | null = null
  private infoValue: EmbedderInfo | null = null
  private tokenizer: PreTrainedTokenizer | null = null
  private lineAdditive = false
  private readonly lineCounts = new Map<string, number>()
  private readonly queryCache = new Map<string, Float32Array>()
  private cacheHits = 0

  constructor(
    private readonly worker: Worker,
    private readonly batchSize: number,
    private readonly onDownloadProgress?: EmbedderOptions['onDownloadProgress'],
  ) {
    worker.on('message', (message: EmbeddingWorkerMessage) => this.handleMessage(message))
    worker.on('error', (error) => {
      this.fail(new BrainError('embedding-unavailable', `The embedding worker crashed: ${error.message}`, { retryable: true, cause: error }))
    })
    worker.on('exit', (code) => {
      this.exited = true
      if (!this.disposed) this.fail(new BrainError('embedding-unavailable', `The embedding worker exited unexpectedly (exit code ${code}).`, { retryable: true }))
    })
  }

  get info(): EmbedderInfo {
    if (!this.infoValue) throw new BrainError('embedding-unavailable', 'The embedder has not finished loading.')
    return this.infoValue
  }

  /** Batches the worker has finished since start, queries included: lets callers and tests observe progress. */
  get batchesCompleted(): number {
    return this.completedBatches
  }

  /** Resolves once the worker has loaded the model and the tokenizer is ready on this thread. */
  async load(modelId: string, tokenizerFolder: string, signal?: AbortSignal): Promise<void> {
    const dimensions = await new Promise<number>((resolve, reject) => {
      if (this.failure) return reject(this.failure)
      const onAbort = (): void => reject(abortedError(signal?.reason))
      if (signal?.aborted) return onAbort()
      signal?.addEventListener('abort', onAbort, { once: true })
      this.loaded = {
        resolve: (value) => {
          signal?.removeEventListener('abort', onAbort)
          resolve(value)
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort)
          reject(error)
        },
      }
    })
    try {
      this.tokenizer = await AutoTokenizer.from_pretrained(tokenizerFolder, { local_files_only: true })
      this.lineAdditive = this.checkLineAdditive()
    } catch (error) {
      throw BrainError.fromData(classifyLoadError(error, false))
    }
    throwIfAborted(signal)
    const declared = Number(this.tokenizer.model_max_length)
    this.infoValue = {
      modelId,
      dimensions,
      maxTokens: Number.isFinite(declared) && declared > 0 ? Math.min(declared, MAX_EMBEDDING_TOKENS) : MAX_EMBEDDING_TOKENS,
      ...prefixesForModel(modelId),
    }
  }

  countTokens(text: string): number {
    if (!this.tokenizer) throw new BrainError('embedding-unavailable', 'The embedder has not finished loading.')
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
    return this.request(
      texts.map((text) => prefix + text),
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
    const [vector] = await this.request([this.info.queryPrefix + text], 'query', signal)
    if (this.queryCache.size >= QUERY_CACHE_SIZE) this.queryCache.delete(this.queryCache.keys().next().value!)
    this.queryCache.set(text, vector.slice())
    return vector
  }

  /** Query vectors answered from the cache since start: lets tests and benchmarks see the cache work. */
  get queryCacheHits(): number {
    return this.cacheHits
  }

  async fingerprint(signal?: AbortSignal): Promise<Float32Array> {
    const [vector] = await this.request([FINGERPRINT_PROBE], 'query', signal)
    return vector
  }

  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    this.fail(new BrainError('embedding-unavailable', 'The embedder was closed.'))
    // Ask first: the worker exits once its query session has finished loading; a thread stopped inside a native
    // session load takes the whole process down. A worker that does not answer in time is terminated.
    if (this.exited) return
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()))
    this.post({ type: 'close' })
    const timer = setTimeout(() => void this.worker.terminate(), WORKER_CLOSE_TIMEOUT_MS)
    try {
      await exited
    } finally {
      clearTimeout(timer)
    }
  }

  private request(texts: string[], priority: EmbeddingPriority, signal?: AbortSignal): Promise<Float32Array[]> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure)
      if (signal?.aborted) return reject(abortedError(signal.reason))
      const id = this.nextId++
      const onAbort = (): void => {
        if (!this.pending.delete(id)) return
        // The worker drops the job at its next batch boundary; the caller is answered now.
        this.post({ type: 'cancel', id })
        reject(abortedError(signal?.reason))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.pending.set(id, {
        resolve: (vectors) => {
          signal?.removeEventListener('abort', onAbort)
          resolve(vectors)
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort)
          reject(error)
        },
      })
      this.post({ type: 'embed', id, texts, batchSize: this.batchSize, priority })
    })
  }

  private post(request: EmbeddingWorkerRequest): void {
    this.worker.postMessage(request)
  }

  private handleMessage(message: EmbeddingWorkerMessage): void {
    switch (message.type) {
      case 'loaded':
        this.loaded?.resolve(message.dimensions)
        this.loaded = null
        return
      case 'load-failed':
        this.loaded?.reject(BrainError.fromData(message.error))
        this.loaded = null
        return
      case 'download-progress':
        try {
          this.onDownloadProgress?.({ loadedBytes: message.loadedBytes, totalBytes: message.totalBytes })
        } catch (error) {
          console.error('[embedder] download progress listener failed', error)
        }
        return
      case 'batch-done':
        this.completedBatches++
        return
      case 'embedded': {
        this.completedBatches++
        const request = this.pending.get(message.id)
        if (!request) return
        this.pending.delete(message.id)
        const vectors: Float32Array[] = []
        for (let index = 0; index < message.count; index++) {
          vectors.push(message.vectors.slice(index * message.dimensions, (index + 1) * message.dimensions))
        }
        request.resolve(vectors)
        return
      }
      case 'embed-failed': {
        const request = this.pending.get(message.id)
        this.pending.delete(message.id)
        request?.reject(BrainError.fromData(message.error))
        return
      }
    }
  }

  private fail(error: BrainError): void {
    this.failure ??= error
    this.loaded?.reject(this.failure)
    this.loaded = null
    const requests = [...this.pending.values()]
    this.pending.clear()
    for (const request of requests) request.reject(this.failure)
  }
}

/**
 * Loads an embedding model (from `modelsDir`, a local folder, or downloaded from `remoteHost` when allowed) into a
 * worker thread and its tokenizer on this thread. Throws `model-missing`, `model-download-failed`, `model-corrupt`.
 */
export async function createEmbedder(options: EmbedderOptions): Promise<Embedder> {
  throwIfAborted(options.signal)
  const location = await locateModel(options, options.signal)
  throwIfAborted(options.signal)
  const settings: EmbeddingWorkerSettings = {
    model: location.source,
    modelsDir: options.modelsDir,
    allowDownload: options.allowDownload && !location.installed,
    remoteHost: options.remoteHost,
    dtype: location.dtype,
    threads: options.threads && options.threads > 0 ? Math.floor(options.threads) : defaultEmbeddingThreads(),
    scheduling: { sortByLength: options.scheduling?.sortByLength ?? true, concurrentQueries: options.scheduling?.concurrentQueries ?? true },
    reportProgress: !location.installed && options.onDownloadProgress !== undefined,
    downloading: !location.installed,
  }
  const worker = spawnWorker(options.workerUrl ? toUrl(options.workerUrl) : defaultWorkerUrl(), settings)
  const embedder = new WorkerEmbedder(worker, Math.max(1, Math.floor(options.batchSize ?? DEFAULT_EMBEDDING_BATCH_SIZE)), options.onDownloadProgress)
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
