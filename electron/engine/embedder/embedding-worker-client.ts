import type { Worker } from 'node:worker_threads'
import { abortedError, BrainError } from '../../../shared/errors'
import type { EmbeddingPriority, EmbeddingWorkerMessage, EmbeddingWorkerRequest } from './worker-protocol'

const WORKER_CLOSE_TIMEOUT_MS = 10_000

interface PendingRequest {
  resolve(vectors: Float32Array[]): void
  reject(error: BrainError): void
}

/**
 * The calling thread's side of one embedding worker: requests with their ids, the load handshake, cancel on abort,
 * and a bounded close. The embedder owns one for passages and, during bulk work, one more for queries.
 */
export class EmbeddingWorkerClient {
  private readonly pending = new Map<number, PendingRequest>()
  private nextId = 1
  private failure: BrainError | null = null
  private disposed = false
  private exited = false
  private completedBatches = 0
  private dimensionsValue: number | null = null
  private readonly loaded: Promise<number>
  private settleLoad: { resolve(dimensions: number): void; reject(error: BrainError): void } | null = null

  constructor(
    private readonly worker: Worker,
    private readonly onDownloadProgress?: (progress: { loadedBytes: number; totalBytes: number | null }) => void,
  ) {
    this.loaded = new Promise<number>((resolve, reject) => {
      this.settleLoad = { resolve, reject }
    })
    // A load nobody awaits yet must not surface as an unhandled rejection; awaiting callers still see it.
    this.loaded.catch(() => {})
    worker.on('message', (message: EmbeddingWorkerMessage) => this.handleMessage(message))
    worker.on('error', (error) => {
      this.fail(new BrainError('embedding-unavailable', `The embedding worker crashed: ${error.message}`, { retryable: true, cause: error }))
    })
    worker.on('exit', (code) => {
      this.exited = true
      if (!this.disposed) this.fail(new BrainError('embedding-unavailable', `The embedding worker exited unexpectedly (exit code ${code}).`, { retryable: true }))
    })
  }

  /** Batches this worker has finished since start, queries included. */
  get batchesCompleted(): number {
    return this.completedBatches
  }

  /** The vector size, once the worker has loaded its model; null before. */
  get dimensions(): number | null {
    return this.dimensionsValue
  }

  /** Resolves with the vector size once the model is loaded; rejects on a failed load, a crash, or the signal. */
  whenLoaded(signal?: AbortSignal): Promise<number> {
    if (!signal) return this.loaded
    return new Promise<number>((resolve, reject) => {
      const onAbort = (): void => reject(abortedError(signal.reason))
      if (signal.aborted) return onAbort()
      signal.addEventListener('abort', onAbort, { once: true })
      this.loaded.then(
        (dimensions) => {
          signal.removeEventListener('abort', onAbort)
          resolve(dimensions)
        },
        (error: BrainError) => {
          signal.removeEventListener('abort', onAbort)
          reject(error)
        },
      )
    })
  }

  request(texts: string[], batchSize: number, priority: EmbeddingPriority, signal?: AbortSignal): Promise<Float32Array[]> {
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
      this.post({ type: 'embed', id, texts, batchSize, priority })
    })
  }

  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    this.fail(new BrainError('embedding-unavailable', 'The embedder was closed.'))
    // Ask first: a thread stopped inside a native session load takes the whole process down. A worker that does not
    // answer in time is terminated.
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

  private post(request: EmbeddingWorkerRequest): void {
    this.worker.postMessage(request)
  }

  private handleMessage(message: EmbeddingWorkerMessage): void {
    switch (message.type) {
      case 'loaded':
        this.dimensionsValue = message.dimensions
        this.settleLoad?.resolve(message.dimensions)
        this.settleLoad = null
        return
      case 'load-failed':
        this.fail(BrainError.fromData(message.error))
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
    this.settleLoad?.reject(this.failure)
    this.settleLoad = null
    const requests = [...this.pending.values()]
    this.pending.clear()
    for (const request of requests) request.reject(this.failure)
  }
}
