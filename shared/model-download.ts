/** The two models the app can download. */
export type ModelKind = 'embedding' | 'chat'

/** Progress of a model download; pushed as `model-download` events. */
export type ModelDownloadStatus =
  | { type: 'idle'; kind: ModelKind; installed: boolean; path: string | null }
  | { type: 'downloading'; kind: ModelKind; loadedBytes: number; totalBytes: number | null; bytesPerSecond: number; etaSeconds: number | null }
  | { type: 'verifying'; kind: ModelKind }
  | { type: 'done'; kind: ModelKind; path: string }
  | { type: 'failed'; kind: ModelKind; message: string; canRetry: boolean }
