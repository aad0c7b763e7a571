// Worker thread entry: loads the feature-extraction pipeline and embeds batches, queries before passages.
// The bulk worker runs at a lower OS priority; the query worker (one thread) at the normal one.
import { parentPort, workerData } from 'node:worker_threads'
import { pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers'
import { BrainError, type ErrorData, errorMessage } from '../../../shared/errors'
import { configureTransformers } from './transformers-environment'
import type { EmbeddingPriority, EmbeddingWorkerMessage, EmbeddingWorkerRequest, EmbeddingWorkerSettings } from './worker-protocol'
import { classifyLoadError } from './load-errors'
import { lowerThisThreadPriority } from './thread-priority'

interface Job {
  id: number
  texts: string[]
  batchSize: number
  priority: EmbeddingPriority
  done: number
  /** The order batches take the texts in: by length when sorting, else as given. */
  order: number[]
  /** Filled row by row at each text's own index, allocated with the first batch (when the dimension is known). */
  vectors: Float32Array<ArrayBuffer> | null
}

const port = parentPort
if (!port) throw new BrainError('internal', 'embedding-worker must run in a worker thread')
const settings = workerData as EmbeddingWorkerSettings

const post = (message: EmbeddingWorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer)

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
    post({ type: 'download-progress', loadedBytes, totalBytes })
  }
}

async function load(threads: number | undefined, reportProgress: boolean): Promise<FeatureExtractionPipeline> {
  configureTransformers(settings)
  return (await pipeline('feature-extraction', settings.model, {
    dtype: settings.dtype,
    device: 'cpu',
    local_files_only: !settings.allowDownload,
    ...(threads ? { session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 } } : {}),
    ...(reportProgress ? { progress_callback: downloadProgressReporter() } : {}),
  })) as FeatureExtractionPipeline
}

const jobs: Job[] = []
let extractor: FeatureExtractionPipeline | null = null
let pumping = false

function finish(job: Job): void {
  const vectors: Float32Array<ArrayBuffer> = job.vectors ?? new Float32Array(0)
  const dimensions = job.texts.length > 0 ? vectors.length / job.texts.length : 0
  post({ type: 'embedded', id: job.id, vectors, count: job.texts.length, dimensions }, [vectors.buffer])
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
  if (settings.scheduling.sortByLength) order.sort((a, b) => texts[a].length - texts[b].length)
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
        if (removeJob(job)) post({ type: 'embed-failed', id: job.id, error: inferenceError(error) })
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
        post({ type: 'batch-done', id: job.id, done: job.done, total: job.texts.length })
      }
    }
  } finally {
    pumping = false
  }
}

function inferenceError(error: unknown): ErrorData {
  return new BrainError('internal', `Embedding failed: ${errorMessage(error)}`, { cause: error }).toData()
}

port.on('message', (request: EmbeddingWorkerRequest) => {
  if (request.type === 'close') {
    jobs.length = 0
    process.exit(0)
  }
  if (request.type === 'cancel') {
    const job = jobs.find((candidate) => candidate.id === request.id)
    if (job) removeJob(job)
    return
  }
  const job: Job = {
    id: request.id,
    texts: request.texts,
    batchSize: Math.max(1, request.batchSize),
    priority: request.priority,
    done: 0,
    order: embeddingOrder(request.texts),
    vectors: null,
  }
  jobs.push(job)
  void pump()
})

// Before the session exists: its thread pool is created by this thread and inherits the priority.
if (settings.background && process.platform === 'linux' && !lowerThisThreadPriority()) console.warn('[embedder] could not lower the bulk worker priority; searches during indexing may wait for batches')

try {
  extractor = await load(settings.threads, settings.reportProgress)
  const probe = await extractor(['dimension probe'], { pooling: 'mean', normalize: true })
  post({ type: 'loaded', dimensions: probe.dims[probe.dims.length - 1] })
  void pump()
} catch (error) {
  post({ type: 'load-failed', error: classifyLoadError(error, settings.downloading) })
}
