// The embedding worker's contract over the one RPC: its settings (workerData, or `configure` for a warm worker),
// methods and events.

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

/** `count` vectors of `dimensions` floats, back to back in one buffer (moved, not copied, to the caller). */
export interface EmbeddedVectors {
  vectors: Float32Array<ArrayBuffer>
  count: number
  dimensions: number
}

/** What a loaded worker reports about its model. */
export interface LoadedModel {
  dimensions: number
  /** The tokenizer's `model_max_length` (null when it declares none, or a placeholder like 1e30). */
  maxTokens: number | null
}

/** What an embedding worker serves over the one RPC (`shared/rpc`) on its `parentPort`. */
export interface EmbeddingWorkerMethods {
  /**
   * Gives a worker started warm (no workerData: it loads Transformers.js and onnxruntime before the model is chosen)
   * its settings, which starts the model's load. Refused by a worker that already has settings.
   */
  configure(settings: EmbeddingWorkerSettings): void
  /** Resolves with the model's shape once it has loaded; rejects with the classified load error. */
  loaded(): LoadedModel
  /**
   * Embeds `texts` in batches of `batchSize`, queries before passage batches, streaming `batch-done` to this call after
   * each batch. Cancelling drops the job at the next batch boundary (a batch in flight finishes and is thrown away).
   */
  embed(texts: string[], batchSize: number, priority: EmbeddingPriority): EmbeddedVectors
  /**
   * Ends the worker thread; never answers. Asked rather than terminated: a thread stopped inside an ONNX Runtime
   * session load aborts the process, and the worker reads this message only once nothing native is half-done.
   */
  close(): never
}

/** `download-progress` goes to every listener; `batch-done` is streamed to the `embed` call it belongs to. */
export interface EmbeddingWorkerEvents {
  'download-progress': { loadedBytes: number; totalBytes: number | null }
  'batch-done': { done: number; total: number }
}
