import { describe, expect, it } from 'vitest'
import type { ManifestEntry } from '../../../../shared/sync-protocol'
import { planSync, type LocalSyncFile } from '../../../../electron/engine/sync/plan-sync'

const KEY = 'a'.repeat(64)
const OTHER_KEY = 'b'.repeat(64)

function local(path: string, content: string, status: LocalSyncFile['status'] = 'indexed'): LocalSyncFile {
  return { path, sha256: `sha-${content}`, status, chunkCount: 2, chunksSha256: `chunks-${content}` }
}

function remote(path: string, content: string, embeddingKey: string | null = KEY): ManifestEntry {
  return { path, sha256: `sha-${content}`, chunkCount: 2, chunksSha256: `chunks-${content}`, embeddingKey }
}

function plan(files: LocalSyncFile[], entries: ManifestEntry[], options: { exclude?: string[]; key?: string | null } = {}) {
  const draft = planSync({
    local: files,
    remote: new Map(entries.map((entry) => [entry.path, entry])),
    isExcluded: (path) => (options.exclude ?? []).some((prefix) => path.startsWith(prefix)),
    embeddingKey: options.key === undefined ? KEY : options.key,
  })
  return {
    upserts: draft.upserts.map((file) => file.path),
    deletes: draft.deletes,
    moves: draft.moves.map((move) => `${move.from}->${move.to}`),
    excluded: draft.excluded,
    waiting: draft.waiting,
  }
}

const nothing = { upserts: [], deletes: [], moves: [], excluded: [], waiting: [] }

describe('planSync', () => {
  it.each([
    ['empty server: everything is uploaded', [local('b.md', '2'), local('a.md', '1')], [], { ...nothing, upserts: ['a.md', 'b.md'] }],
    ['identical: nothing to do', [local('a.md', '1')], [remote('a.md', '1')], nothing],
    ['edited content', [local('a.md', 'new')], [remote('a.md', 'old')], { ...nothing, upserts: ['a.md'] }],
    ['removed locally', [], [remote('a.md', '1')], { ...nothing, deletes: ['a.md'] }],
    ['renamed: a move, not an upload', [local('new/a.md', '1')], [remote('old/a.md', '1')], { ...nothing, moves: ['old/a.md->new/a.md'] }],
    ['copied: the original stays, the copy uploads', [local('a.md', '1'), local('b.md', '1')], [remote('a.md', '1')], { ...nothing, upserts: ['b.md'] }],
    ['pending files wait and keep their server copy', [local('a.md', 'new', 'pending')], [remote('a.md', 'old')], { ...nothing, waiting: ['a.md'] }],
    ['failed files are gone from the index, so from the server', [local('a.md', '1', 'failed')], [remote('a.md', '1')], { ...nothing, deletes: ['a.md'] }],
    ['vectors from another model: re-upload', [local('a.md', '1')], [remote('a.md', '1', OTHER_KEY)], { ...nothing, upserts: ['a.md'] }],
    ['stale-model copy is no move source', [local('new.md', '1')], [remote('old.md', '1', OTHER_KEY)], { ...nothing, upserts: ['new.md'], deletes: ['old.md'] }],
  ] as const)('%s', (_name, files, entries, expected) => {
    expect(plan([...files], [...entries])).toEqual(expected)
  })

  it('excluded paths are listed, never uploaded, and deleted from the server', () => {
    expect(plan([local('private/a.md', '1'), local('b.md', '2')], [remote('private/a.md', '1')], { exclude: ['private/'] })).toEqual({
      ...nothing,
      upserts: ['b.md'],
      deletes: ['private/a.md'],
      excluded: ['private/a.md'],
    })
  })

  it('without a local model, stored vectors are kept rather than replaced by text', () => {
    expect(plan([local('a.md', '1')], [remote('a.md', '1', KEY)], { key: null })).toEqual(nothing)
    expect(plan([local('a.md', '1')], [remote('a.md', '1', null)], { key: KEY })).toEqual({ ...nothing, upserts: ['a.md'] })
  })

  it('pairs several renames of identical content one to one, in path order', () => {
    expect(plan([local('x/1.md', 'same'), local('x/2.md', 'same'), local('x/3.md', 'same')], [remote('old/1.md', 'same'), remote('old/2.md', 'same')])).toEqual({
      ...nothing,
      upserts: ['x/3.md'],
      moves: ['old/1.md->x/1.md', 'old/2.md->x/2.md'],
    })
  })

  it('a changed chunking (same bytes) is re-sent', () => {
    const file = { ...local('a.md', '1'), chunksSha256: 'rechunked' }
    expect(plan([file], [remote('a.md', '1')]).upserts).toEqual(['a.md'])
  })
})
