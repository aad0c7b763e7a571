import type { Worker } from 'node:worker_threads'
import { abortedError, BrainError } from '../../../shared/errors'
import { fromNodeMessagePort } from '../../../shared/rpc/port-adapters'
import { createRpcClient, type RpcClient } from '../../../shared/rpc/rpc-client'
import { untilAborted } from '../async/until-aborted'
import type { EmbeddingPriority, EmbeddingWorkerEvents, EmbeddingWorkerMethods, EmbeddingWorkerSettings, LoadedModel } from './worker-protocol'

const WORKER_CLOSE_TIMEOUT_MS = 10_000

/**
 * One embedding worker seen from the calling thread: an RPC client on the worker, plus what the RPC does not know
 * about a thread (a crash or exit fails every call with `embedding-unavailable`, and a bounded close). The embedder
 * owns one for passages and, during bulk work, one more for queries.
 */
export class EmbeddingWorkerClient {
  private readonly rpc: RpcClient<EmbeddingWorkerMethods, EmbeddingWorkerEvents>
  private readonly loaded: Promise<LoadedModel>
  private failure: BrainError | null = null
  private disposed = false
  private exited = false
  private completedBatches = 0

  constructor(
    private readonly worker: Worker,
    onDownloadProgress?: (progress: EmbeddingWorkerEvents['download-progress']) => void,
    /** For a worker started warm (without workerData): the settings it loads its model with, sent first. */
    configure?: EmbeddingWorkerSettings,
  ) {
    this.rpc = createRpcClient(fromNodeMessagePort(worker))
    if (onDownloadProgress) this.rpc.on('download-progress', onDownloadProgress)
    worker.on('error', (error) => {
      this.fail(new BrainError('embedding-unavailable', `The embedding worker crashed: ${error.message}`, { retryable: true, cause: error }))
    })
    worker.on('exit', (code) => {
      this.exited = true
      if (!this.disposed) this.fail(new BrainError('embedding-unavailable', `The embedding worker exited unexpectedly (exit code ${code}).`, { retryable: true }))
    })
    // `loaded` follows once the worker has taken its settings; a refused `configure` fails the load.
    const configuring = configure ? this.rpc.call('configure', [configure]) : Promise.resolve()
    this.loaded = this.settle(configuring.then(() => this.rpc.call('loaded', [])))
    // Every later call fails with the load error (the worker fails the ones it holds). This also keeps a load nobody
    // awaits yet from surfacing as an unhandled rejection; awaiting callers still see it.
    this.loaded.catch((error: BrainError) => {
      this.failure ??= error
    })
  }

  /** Batches this worker has finished since start, queries included. */
  get batchesCompleted(): number {
    return this.completedBatches
  }

  /** Resolves with the model's shape once it is loaded; rejects on a failed load, a crash, or the signal. */
  whenLoaded(signal?: AbortSignal): Promise<LoadedModel> {
    return untilAborted(this.loaded, signal)
  }

  /** Embeds in the worker; aborting answers the caller at once, and the worker drops the job at its next batch boundary. */
  async request(texts: string[], batchSize: number, priority: EmbeddingPriority, signal?: AbortSignal): Promise<Float32Array[]> {
    if (this.failure) throw this.failure
    if (signal?.aborted) throw abortedError(signal.reason)
    const call = this.rpc.call('embed', [texts, batchSize, priority], {
      signal,
      onEvent: () => {
        this.completedBatches++
      },
    })
    const { vectors, count, dimensions } = await untilAborted(this.settle(call), signal)
    const out: Float32Array[] = []
    for (let index = 0; index < count; index++) out.push(vectors.slice(index * dimensions, (index + 1) * dimensions))
    return out
  }

  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    // Ask first: a thread stopped inside a native session load takes the whole process down. A worker that does not
    // answer in time is terminated.
    if (!this.exited) this.rpc.call('close', []).catch(() => {})
    this.fail(new BrainError('embedding-unavailable', 'The embedder was closed.'))
    if (this.exited) return
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()))
    const timer = setTimeout(() => void this.worker.terminate(), WORKER_CLOSE_TIMEOUT_MS)
    try {
      await exited
    } finally {
      clearTimeout(timer)
    }
  }

  /** A call the client gave up on (the worker crashed, exited or was closed) fails with the reason, not the RPC's. */
  private settle<T>(call: Promise<T>): Promise<T> {
    return call.catch((error: unknown) => {
      throw this.failure && BrainError.is(error, 'engine-unavailable') ? this.failure : error
    })
  }

  /** Remembers why the worker is gone and fails every call still waiting on it. */
  private fail(error: BrainError): void {
    this.failure ??= error
    this.rpc.dispose()
  }
}
