import type { Disposable } from '../../../shared/lifecycle'
import type { EmbeddingScheduling } from './worker-protocol'

export interface EmbedderInfo {
  /** Hub id or folder name of the model, e.g. "Xenova/bge-small-en-v1.5". */
  modelId: string
  dimensions: number
  /** The model's maximum sequence length in tokens. */
  maxTokens: number
  /** Prefixes the model expects (bge: a query instruction; e5: "query: " / "passage: "). */
  queryPrefix: string
  passagePrefix: string
}

/** A loaded embedding model. Inference runs in a worker thread; token counting on the caller's thread. */
export interface Embedder extends Disposable {
  readonly info: EmbedderInfo
  /** Loads what `countTokens` needs, once (later calls share the first); chunking awaits it, searches never do. */
  prepareTokenizer(): Promise<void>
  /** Tokens of `text` with the model's own tokenizer (special tokens excluded). Synchronous and cheap; after `prepareTokenizer`. */
  countTokens(text: string): number
  /** Normalised vectors for passages (the passage prefix applied), in batches. */
  embedPassages(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>
  /** Normalised vector for a search query (the query prefix applied). */
  embedQuery(text: string, signal?: AbortSignal): Promise<Float32Array>
  /** The vector of a fixed probe sentence: stored with the index to detect a silently changed model. */
  fingerprint(signal?: AbortSignal): Promise<Float32Array>
}

export interface EmbedderOptions {
  /** Hub id ("Xenova/bge-small-en-v1.5") or an absolute path to a local model folder. */
  model: string
  /** Folder holding hub-style model folders (<modelsDir>/<org>/<name>/...). */
  modelsDir: string
  allowDownload: boolean
  /** Hub host for downloads, e.g. "https://huggingface.co/" (tests: a local server). */
  remoteHost: string
  batchSize?: number
  /** ONNX Runtime threads for inference; default: every logical core the OS offers. Lower it to leave cores free. */
  threads?: number
  /** Scheduling switches; both default on. Benchmarks turn them off to measure what each one buys. */
  scheduling?: Partial<EmbeddingScheduling>
  /** Download progress, summed over the model's files. */
  onDownloadProgress?: (progress: { loadedBytes: number; totalBytes: number | null }) => void
  signal?: AbortSignal
  /**
   * On a CPU with VNNI, run an int8 model from a copy whose weights are int8 instead of the shipped uint8: the same
   * vectors, about twice as fast (see README, Measured). Default on; benchmarks turn it off to compare.
   */
  signedInt8Weights?: boolean
  /** Where such copies are kept; default `<modelsDir>/.prepared`. The engine passes the user's (writable) folder. */
  preparedModelsDir?: string
  /** The worker entry; defaults to embedding-worker(.ts|.js) beside this module. Bundles pass their built file. */
  workerUrl?: string | URL
}
