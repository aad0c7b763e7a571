import type { ErrorCode, ErrorData } from './errors'

/** What the indexer is doing right now. Pushed to the UI as `index-status` snapshots. */
export type IndexPhase =
  | { type: 'no-folder' }
  | { type: 'starting' }
  | { type: 'scanning' }
  /** Reading and chunking changed files; counts files. */
  | { type: 'indexing'; done: number; total: number }
  /** Computing vectors for chunks that lack them; counts chunks. Keyword search already covers them. */
  | { type: 'embedding'; done: number; total: number }
  | { type: 'ready' }
  | { type: 'paused'; reason: 'user' | 'folder-unavailable' }
  | { type: 'error'; error: ErrorData }

/** Whether the watched folder can be read. `unavailable` pauses indexing; the index is kept. */
export type FolderState = 'not-set' | 'ok' | 'unavailable'

/** The embedding model's state; without one, the keyword index still fills. */
export type EmbeddingStatus =
  | { type: 'loading'; modelId: string }
  | { type: 'downloading'; modelId: string; loadedBytes: number; totalBytes: number | null }
  /** `notice` says when the stored index was built with a different model and is being re-embedded. */
  | { type: 'ready'; modelId: string; dimensions: number; notice?: string }
  | { type: 'unavailable'; modelId: string; reason: string; code: ErrorCode }

/** A file the indexer could not index, and why. */
export interface FileError {
  /** Path relative to the watched folder. */
  path: string
  code: ErrorCode
  message: string
  at: string
}

/** A complete, self-contained picture of the index; the UI copies it into its store as is. */
export interface IndexSnapshot {
  phase: IndexPhase
  folder: string | null
  folderState: FolderState
  files: number
  chunks: number
  /** Chunks that have a vector in the active vector table. */
  vectors: number
  lastIndexedAt: string | null
  embedding: EmbeddingStatus
  errors: FileError[]
  /** Set when settings.json was broken at start: what was recovered and which safe values were chosen. */
  settingsNotice?: string
}

/** What one indexing pass did (the CLI's `index` summary). */
export interface IndexSummary {
  added: number
  changed: number
  removed: number
  renamed: number
  unchanged: number
  failed: number
  chunksEmbedded: number
  chunksReused: number
  seconds: number
}
