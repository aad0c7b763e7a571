import type { ErrorData } from '../../../shared/errors'
import type { EmbeddingStatus, FileError, HeldRemovals, IndexPhase, IndexSnapshot, StoreRepairs } from '../../../shared/index-status'
import type { IndexProgress } from './indexer'

/**
 * Everything the index status is computed from. The controller holds one of these and only ever changes its
 * fields; the phase and the snapshot are derived from it here, in one place, never set by hand.
 */
export interface IndexState {
  folder: string | null
  /** Whether the folder can be read; `suspect` is not stored, it is derived from held removals. */
  folderState: 'not-set' | 'ok' | 'unavailable'
  /** The user paused indexing (settings `indexing.paused`). */
  userPaused: boolean
  /** What the indexer's running job reports; `idle` between jobs. */
  activity: IndexProgress
  /** A full pass was asked for and no job has reported progress since (it waits in the queue, or is starting). */
  passQueued: boolean
  /** The last failed pass or backlog, until a later one succeeds. */
  error: ErrorData | null
  /** A pass (or a one-shot run's store check) has completed on this folder since it was set. */
  settled: boolean
}

export function initialIndexState(userPaused: boolean): IndexState {
  return { folder: null, folderState: 'not-set', userPaused, activity: { type: 'idle' }, passQueued: false, error: null, settled: false }
}

/**
 * The phase the UI shows. Precedence: no folder, then a vanished folder, then the user's pause (both keep the
 * index), then the running job's progress (or a pass about to scan), then the last failure, then ready once something has settled.
 */
export function indexPhase(state: IndexState): IndexPhase {
  if (state.folder === null) return { type: 'no-folder' }
  if (state.folderState === 'unavailable') return { type: 'paused', reason: 'folder-unavailable' }
  if (state.userPaused) return { type: 'paused', reason: 'user' }
  if (state.activity.type !== 'idle') return state.activity
  // A pass begins with the scan; saying so at once keeps a folder that just came back from flashing `ready`.
  if (state.passQueued) return { type: 'scanning' }
  if (state.error) return { type: 'error', error: state.error }
  return state.settled ? { type: 'ready' } : { type: 'starting' }
}

/** What the snapshot reads from the stores and the embedding model besides the state. */
export interface IndexCounts {
  files: number
  failed: FileError[]
  chunks: number
  vectors: number
  lastIndexedAt: string | null
  embedding: EmbeddingStatus
  held: HeldRemovals | null
  repairs: StoreRepairs | null
}

/** The complete snapshot pushed to the UI; held removals turn an `ok` folder `suspect`. */
export function indexSnapshot(state: IndexState, counts: IndexCounts): IndexSnapshot {
  const held = state.folder ? counts.held : null
  return {
    phase: indexPhase(state),
    folder: state.folder,
    folderState: held && state.folderState === 'ok' ? 'suspect' : state.folderState,
    ...(held ? { heldRemovals: held } : {}),
    ...(counts.repairs ? { repairs: counts.repairs } : {}),
    files: counts.files,
    chunks: counts.chunks,
    vectors: counts.vectors,
    lastIndexedAt: counts.lastIndexedAt,
    embedding: counts.embedding,
    errors: counts.failed,
  }
}
