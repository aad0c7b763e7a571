// Worker thread entry: loads the feature-extraction pipeline and embeds batches, queries before passages, serving
// `EmbeddingWorkerMethods` over the one RPC on its parentPort. The bulk worker runs at a lower OS priority; the query
// worker (one thread) at the normal one.
import { parentPort, workerData } from 'node:worker_threads'
import { pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers'
import { BrainError, errorMessage } from '../../../shared/errors'
import { fromNodeMessagePort } from '../../../shared/rpc/port-adapters'
import { createRpcServer, RpcTransfer } from '../../../shared/rpc/rpc-server'
import { configureTransformers } from './transformers-environment'
import type { EmbeddedVectors, EmbeddingPriority, EmbeddingWorkerEvents, EmbeddingWorkerMethods, EmbeddingWorkerSettings, LoadedModel } from './worker-protocol'
import { classifyLoadError } from './load-errors'
import { lowerThisThreadPriority } from './thread-priority'

interface Job {
  texts: string[]
  batchSize: number
  priority: EmbeddingPriority
  done: number
  /** The order batches take the texts in: by length when sorting, else as given. */
  order: number[]
  /** Filled row by row at each text's own index, allocated with the first batch (when the dimension is known). */
  vectors: Float32Array<ArrayBuffer> | null
  /** Settle the `embed` call, and stream its `batch-done` events. */
  resolve(result: EmbeddedVectors): void
  reject(error: unknown): void
  notify(event: 'batch-done', payload: EmbeddingWorkerEvents['batch-done']): void
}

const port = parentPort
if (!port) throw new BrainError('internal', 'embedding-worker must run in a worker thread')
// A worker spawned for a model gets its settings as workerData; one started warm waits for `configure`.
let settings = (workerData as EmbeddingWorkerSettings | null) ?? null
let configure: ((value: EmbeddingWorkerSettings) => void) | null = null
const configured: Promise<EmbeddingWorkerSettings> = settings ? Promise.resolve(settings) : new Promise((resolve) => (configure = resolve))

const jobs: Job[] = []
let extractor: FeatureExtractionPipeline | null = null
let loadFailure: BrainError | null = null
let pumping = false

// Serving before the load starts, so download progress has somewhere to go.
const server = createRpcServer(fromNodeMessagePort(port), async (method, args, signal, notify) => {
  switch (method as keyof EmbeddingWorkerMethods) {
    case 'configure': {
      const [value] = args as Parameters<EmbeddingWorkerMethods['configure']>
      if (!configure || typeof value !== 'object' || value === null) throw new BrainError('invalid-input', 'This embedding worker already has its settings.')
      configure(value)
      configure = null
      return undefined
    }
    case 'loaded':
      return await loading
    case 'embed': {
      const [texts, batchSize, priority] = args as Parameters<EmbeddingWorkerMethods['embed']>
      const result = await embed(texts, batchSize, priority, signal, notify)
      return new RpcTransfer(result, [result.vectors.buffer])
    }
    case 'close':
      jobs.length = 0
      process.exit(0)
  }
  throw new BrainError('invalid-input', `The embedding worker has no method ${method}.`)
})
const emit = <E extends keyof EmbeddingWorkerEvents>(event: E, payload: EmbeddingWorkerEvents[E]): void => server.emit(event, payload)

function downloadProgressReporter(): (info: unknown) => void {
  const files = new Map<string, { loaded: number; total: number }>()
  return (info) => {
    const event = info as { status?: string; file?: string; loaded?: number; total?: number }
    if (event.status !== 'progress' || event.file === undefined) return
    files.set(event.file, { loaded: event.loaded ?? 0, total: event.total ?? 0 })
    let loadedBytes = 0
    let totalBytes: number | null = 0
    for (const file of files.values()) {
      loadedBytes += file.loaded
      // One file without a known size makes the whole total unknown rather than wrong.
      totalBytes = totalBytes === null || file.total <= 0 ? null : totalBytes + file.total
    }
    emit('download-progress', { loadedBytes, totalBytes })
  }
}

async function load(settings: EmbeddingWorkerSettings): Promise<FeatureExtractionPipeline> {
  const { threads, reportProgress } = settings
  configureTransformers(settings)
  return (await pipeline('feature-extraction', settings.model, {
    dtype: settings.dtype,
    device: 'cpu',
    local_files_only: !settings.allowDownload,
    ...(threads ? { session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 } } : {}),
    ...(reportProgress ? { progress_callback: downloadProgressReporter() } : {}),
  })) as FeatureExtractionPipeline
}

/** Queues a job; the call's signal (a cancel, or the port closing) drops it before its next batch. */
function embed(texts: string[], batchSize: number, priority: EmbeddingPriority, signal: AbortSignal, notify: (event: string, payload: unknown) => void): Promise<EmbeddedVectors> {
  if (loadFailure) return Promise.reject(loadFailure)
  return new Promise((resolve, reject) => {
    const job: Job = { texts, batchSize: Math.max(1, batchSize), priority, done: 0, order: embeddingOrder(texts), vectors: null, resolve, reject, notify }
    signal.addEventListener('abort', () => {
      if (removeJob(job)) reject(signal.reason)
    }, { once: true })
    jobs.push(job)
    void pump()
  })
}

function finish(job: Job): void {
  const vectors: Float32Array<ArrayBuffer> = job.vectors ?? new Float32Array(0)
  const dimensions = job.texts.length > 0 ? vectors.length / job.texts.length : 0
  job.notify('batch-done', { done: job.texts.length, total: job.texts.length })
  job.resolve({ vectors, count: job.texts.length, dimensions })
}

/** Writes a batch's rows to the places of the texts it embedded. */
function store(job: Job, indices: number[], data: Float32Array, dimensions: number): void {
  job.vectors ??= new Float32Array(job.texts.length * dimensions)
  for (let row = 0; row < indices.length; row++) {
    job.vectors.set(data.subarray(row * dimensions, (row + 1) * dimensions), indices[row] * dimensions)
  }
}

function embeddingOrder(texts: string[]): number[] {
  const order = texts.map((_, index) => index)
  // Characters track tokens closely enough for padding, and cost nothing to count.
  if (settings?.scheduling.sortByLength) order.sort((a, b) => texts[a].length - texts[b].length)
  return order
}

function nextJob(): Job | undefined {
  return jobs.find((job) => job.priority === 'query') ?? jobs[0]
}

function removeJob(job: Job): boolean {
  const index = jobs.indexOf(job)
  if (index < 0) return false
  jobs.splice(index, 1)
  return true
}

// One batch at a time, so a cancel lands between batches; a query waiting here goes before the next passage batch.
async function pump(): Promise<void> {
  if (pumping || !extractor) return
  pumping = true
  try {
    for (let job = nextJob(); job; job = nextJob()) {
      const indices = job.order.slice(job.done, job.done + job.batchSize)
      const batch = indices.map((index) => job.texts[index])
      let output: { data: unknown; dims: number[] }
      try {
        output = await extractor(batch, { pooling: 'mean', normalize: true })
      } catch (error) {
        if (removeJob(job)) job.reject(new BrainError('internal', `Embedding failed: ${errorMessage(error)}`, { cause: error }))
        continue
      }
      // Cancelled while its batch was running: drop the result.
      if (!jobs.includes(job)) continue
      store(job, indices, output.data as Float32Array, output.dims[output.dims.length - 1])
      job.done += batch.length
      if (job.done >= job.texts.length) {
        removeJob(job)
        finish(job)
      } else {
        job.notify('batch-done', { done: job.done, total: job.texts.length })
      }
    }
  } finally {
    pumping = false
  }
}

/** The model's shape once loaded; a failed load fails every job, queued or later, with its classified error. */
const loading: Promise<LoadedModel> = (async () => {
  const ready = await configured
  settings = ready
  // Before the session exists: its thread pool is created by this thread and inherits the priority.
  if (ready.background && process.platform === 'linux' && !lowerThisThreadPriority()) console.warn('[embedder] could not lower the bulk worker priority; searches during indexing may wait for batches')
  try {
    extractor = await load(ready)
    const probe = await extractor(['dimension probe'], { pooling: 'mean', normalize: true })
    void pump()
    const declared = Number(extractor.tokenizer.model_max_length)
    return { dimensions: probe.dims[probe.dims.length - 1], maxTokens: Number.isFinite(declared) && declared > 0 ? declared : null }
  } catch (error) {
    loadFailure = BrainError.fromData(classifyLoadError(error, ready.downloading))
    for (const job of jobs.splice(0)) job.reject(loadFailure)
    throw loadFailure
  }
})()
// Reported to whoever calls `loaded`; not an unhandled rejection of its own.
loading.catch(() => {})
