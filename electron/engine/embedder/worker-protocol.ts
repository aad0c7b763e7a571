import type { ErrorData } from '../../../shared/errors'

/** Everything the worker needs to load the model; passed as `workerData`. */
export interface EmbeddingWorkerSettings {
  /** Hub id or absolute folder path, as given to Transformers.js. */
  model: string
  modelsDir: string
  allowDownload: boolean
  remoteHost: string
  dtype: 'q8' | 'fp32'
  /** ONNX Runtime intra-op threads; undefined leaves the runtime default. */
  threads?: number
  /** How passages and queries share the model (benchmarks compare the settings; the product uses the defaults). */
  scheduling: EmbeddingScheduling
  /** Only downloads report progress; local loads would otherwise look like downloads. */
  reportProgress: boolean
  /** Whether files must be fetched: decides how a load failure is classified. */
  downloading: boolean
  /**
   * Run this worker's threads at a lower OS priority (the bulk worker), so the query worker and the app get the cores
   * first while indexing still takes every idle cycle. Linux only: elsewhere there is no per-thread priority to set.
   */
  background: boolean
}

/** Both on by default; off reproduces the earlier behaviour for before/after figures. */
export interface EmbeddingScheduling {
  /**
   * Batch a job's passages in order of length, so a batch pads to near its own longest text instead of to the
   * longest in a random mix (attention cost grows with the padded length). Results keep the caller's order.
   */
  sortByLength: boolean
  /**
   * Run queries in a worker of their own once bulk work starts, beside the passage batch in flight, instead of after
   * it: ONNX Runtime's Node binding runs a session on the calling thread, so in one worker a query waits for the whole
   * batch. Off, queries still jump the queue of batches.
   */
  concurrentQueries: boolean
}

/** Queries jump ahead of passage batches so a search answers while bulk indexing runs. */
export type EmbeddingPriority = 'query' | 'passage'

/** Messages from the calling thread to the worker. */
export type EmbeddingWorkerRequest =
  | { type: 'embed'; id: number; texts: string[]; batchSize: number; priority: EmbeddingPriority }
  | { type: 'cancel'; id: number }
  /** Exit once nothing native is half-done (terminating a thread inside an ONNX Runtime session load aborts the process). */
  | { type: 'close' }

/** Messages from the worker to the calling thread. */
export type EmbeddingWorkerMessage =
  | { type: 'loaded'; dimensions: number }
  | { type: 'load-failed'; error: ErrorData }
  | { type: 'download-progress'; loadedBytes: number; totalBytes: number | null }
  | { type: 'batch-done'; id: number; done: number; total: number }
  /** `vectors` holds `count` vectors of `dimensions` floats back to back; its buffer is transferred. */
  | { type: 'embedded'; id: number; vectors: Float32Array; count: number; dimensions: number }
  | { type: 'embed-failed'; id: number; error: ErrorData }
