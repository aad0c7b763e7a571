// Worker thread entry: loads the feature-extraction pipeline and embeds batches, queries before passages.
import { parentPort, workerData } from 'node:worker_threads'
import { pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers'
import { BrainError, toErrorData, type ErrorData } from '../../../shared/errors'
import { configureTransformers } from './transformers-environment'
import type { EmbeddingPriority, EmbeddingWorkerMessage, EmbeddingWorkerRequest, EmbeddingWorkerSettings } from './worker-protocol'
import { classifyLoadError } from './load-errors'

interface Job {
  id: number
  texts: string[]
  batchSize: number
  priority: EmbeddingPriority
  done: number
  parts: Float32Array[]
}

const port = parentPort
if (!port) throw new Error('embedding-worker must run in a worker thread')
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

async function load(): Promise<FeatureExtractionPipeline> {
  configureTransformers(settings)
  return (await pipeline('feature-extraction', settings.model, {
    dtype: settings.dtype,
    device: 'cpu',
    local_files_only: !settings.allowDownload,
    ...(settings.threads ? { session_options: { intraOpNumThreads: settings.threads, interOpNumThreads: 1 } } : {}),
    ...(settings.reportProgress ? { progress_callback: downloadProgressReporter() } : {}),
  })) as FeatureExtractionPipeline
}

const jobs: Job[] = []
let extractor: FeatureExtractionPipeline | null = null
let pumping = false

function finish(job: Job, dimensions: number): void {
  const vectors = new Float32Array(job.texts.length * dimensions)
  let offset = 0
  for (const part of job.parts) {
    vectors.set(part, offset)
    offset += part.length
  }
  post({ type: 'embedded', id: job.id, vectors, count: job.texts.length, dimensions }, [vectors.buffer])
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

// One batch at a time, so a query waits for at most one passage batch, and a cancel lands between batches.
async function pump(): Promise<void> {
  if (pumping || !extractor) return
  pumping = true
  try {
    for (let job = nextJob(); job; job = nextJob()) {
      const batch = job.texts.slice(job.done, job.done + job.batchSize)
      let output: { data: unknown; dims: number[] }
      try {
        output = await extractor(batch, { pooling: 'mean', normalize: true })
      } catch (error) {
        if (removeJob(job)) post({ type: 'embed-failed', id: job.id, error: inferenceError(error) })
        continue
      }
      // Cancelled while its batch was running: drop the result.
      if (!jobs.includes(job)) continue
      job.parts.push(Float32Array.from(output.data as Float32Array))
      job.done += batch.length
      const dimensions = output.dims[output.dims.length - 1]
      if (job.done >= job.texts.length) {
        removeJob(job)
        finish(job, dimensions)
      } else {
        post({ type: 'batch-done', id: job.id, done: job.done, total: job.texts.length })
      }
    }
  } finally {
    pumping = false
  }
}

function inferenceError(error: unknown): ErrorData {
  return new BrainError('internal', `Embedding failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }).toData()
}

port.on('message', (request: EmbeddingWorkerRequest) => {
  if (request.type === 'cancel') {
    const job = jobs.find((candidate) => candidate.id === request.id)
    if (job) removeJob(job)
    return
  }
  jobs.push({ id: request.id, texts: request.texts, batchSize: Math.max(1, request.batchSize), priority: request.priority, done: 0, parts: [] })
  void pump()
})

try {
  extractor = await load()
  const probe = await extractor(['dimension probe'], { pooling: 'mean', normalize: true })
  post({ type: 'loaded', dimensions: probe.dims[probe.dims.length - 1] })
  void pump()
} catch (error) {
  post({ type: 'load-failed', error: classifyLoadError(error, settings.downloading) })
}
