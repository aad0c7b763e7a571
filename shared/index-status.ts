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

/**
 * Whether the watched folder can be read. `unavailable` pauses indexing; the index is kept. `suspect`: a pass would
 * have removed many notes at once, or the folder was replaced (another device/inode, suddenly empty); the removals
 * are held, nothing is deleted and sync sends no deletions until the user confirms them (`confirmRemovals`).
 */
export type FolderState = 'not-set' | 'ok' | 'unavailable' | 'suspect'

/** Why removals are being held. */
export type SuspectReason = 'folder-empty' | 'folder-replaced' | 'mass-removal'

/** Removals held back because they look like a folder that went away rather than notes the user deleted. */
export interface HeldRemovals {
  reason: SuspectReason
  /** Indexed notes that are no longer on disk and were kept. */
  removals: number
  /** Indexed notes when the removals were held. */
  indexedFiles: number
  /** A few of the held paths, relative to the folder. */
  examples: string[]
  at: string
}

/** What the start-up and per-pass consistency check between SQLite and LanceDB repaired. */
export interface StoreRepairs {
  /** Chunks flagged embedded whose vector was missing: queued to be embedded again. */
  missingVectors: number
  /** Vectors whose chunk no longer exists: deleted. */
  orphanVectors: number
  /** Vectors LanceDB still had for chunks SQLite did not know were embedded (e.g. a rebuilt index.sqlite): reused. */
  foundVectors: number
  at: string
}

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
  /**
   * Where the indexed files' and chunks' periods came from, counted by source ('file-name', 'front-matter:date',
   * 'heading', 'mtime' = guessed from the file time, ...). Only in `getStatus` answers (`status --json`), not in
   * the pushed progress snapshots.
   */
  periodSources?: { files: Record<string, number>; chunks: Record<string, number> }
  /** Set while `folderState` is `suspect`: what is held and why. */
  heldRemovals?: HeldRemovals
  /** The last consistency repair that changed something (absent when the stores always agreed). */
  repairs?: StoreRepairs
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
  /** Removals this pass held back instead of applying (the folder looks suspect; see `HeldRemovals`). */
  removalsHeld?: number
  /** What the consistency check between the stores repaired during this pass. */
  repairs?: StoreRepairs
}
