import { describe, expect, it } from 'vitest'
import { indexPhase, indexSnapshot, initialIndexState, type IndexState } from '../../../../electron/engine/indexer/index-state'

const ok: IndexState = { ...initialIndexState(false), folder: '/notes', folderState: 'ok' }
const failure = { code: 'internal' as const, message: 'the disk is full', retryable: true }

describe('indexPhase: the phase follows from the state, in one order', () => {
  it.each<[string, Partial<IndexState>, ReturnType<typeof indexPhase>]>([
    ['no folder, whatever else', { folder: null, folderState: 'not-set', userPaused: true, activity: { type: 'scanning' } }, { type: 'no-folder' }],
    ['a vanished folder before the user pause', { folderState: 'unavailable', userPaused: true }, { type: 'paused', reason: 'folder-unavailable' }],
    ['a vanished folder hides the running job', { folderState: 'unavailable', activity: { type: 'indexing', done: 1, total: 4 } }, { type: 'paused', reason: 'folder-unavailable' }],
    ['the user pause hides the running job', { userPaused: true, activity: { type: 'embedding', done: 1, total: 9 } }, { type: 'paused', reason: 'user' }],
    ['the running job', { activity: { type: 'indexing', done: 2, total: 4 }, error: failure, passQueued: true }, { type: 'indexing', done: 2, total: 4 }],
    ['a queued pass says it scans', { passQueued: true, error: failure, settled: true }, { type: 'scanning' }],
    ['the last failure', { error: failure, settled: true }, { type: 'error', error: failure }],
    ['settled', { settled: true }, { type: 'ready' }],
    ['nothing settled yet', {}, { type: 'starting' }],
  ])('%s', (_name, patch, phase) => {
    expect(indexPhase({ ...ok, ...patch })).toEqual(phase)
  })
})

describe('indexSnapshot', () => {
  const counts = {
    files: 3,
    failed: [],
    chunks: 9,
    vectors: 9,
    lastIndexedAt: null,
    embedding: { type: 'loading' as const, modelId: 'm' },
    held: { reason: 'folder-empty' as const, removals: 3, indexedFiles: 3, examples: [], at: '' },
    repairs: null,
  }

  it('held removals make an ok folder suspect and are included', () => {
    expect(indexSnapshot(ok, counts)).toMatchObject({ folderState: 'suspect', heldRemovals: counts.held })
  })

  it('an unavailable folder stays unavailable; without a folder nothing is held', () => {
    expect(indexSnapshot({ ...ok, folderState: 'unavailable' }, counts).folderState).toBe('unavailable')
    expect(indexSnapshot(initialIndexState(false), counts)).not.toHaveProperty('heldRemovals')
  })
})
