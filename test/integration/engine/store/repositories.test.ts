import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MetaStore } from '../../../../electron/engine/store/meta-store'
import type { BatchSummary } from '../../../../electron/engine/store/sync-repository'
import { draft, fileInput, makeTempFolder, sha256, week } from './store-fixtures'

let temp: ReturnType<typeof makeTempFolder>
let dbPath: string
let meta: MetaStore

beforeEach(() => {
  temp = makeTempFolder('repositories')
  dbPath = join(temp.folder, 'index.sqlite')
  meta = MetaStore.open(dbPath)
})

afterEach(() => {
  meta.dispose()
  temp.remove()
})

const summary = (path: string): BatchSummary => ({
  upserts: [{ path, sha256: sha256(path), chunks: 1, bytes: 10, chunksSha256: sha256(`${path}#chunks`) }],
  deletes: [],
  renames: [],
  embeddingKey: null,
})

describe('replaceFile across the manifest and chunk repositories', () => {
  it('takes over a chunk id another file owns, in one write, and recounts both files', () => {
    const period = week('2023-04-03', '2023-04-09')
    const shared = draft('a.md', 0, 'same text')
    meta.replaceFile(fileInput('a.md', period), [shared, draft('a.md', 1, 'only in a')])
    const result = meta.replaceFile(fileInput('b.md', period), [shared])
    expect(result.removedIds).toEqual([shared.id])
    expect(result.added.map((chunk) => [chunk.id, chunk.path])).toEqual([[shared.id, 'b.md']])
    expect(meta.chunks.forFile('a.md').map((chunk) => chunk.text)).toEqual(['only in a'])
    expect(meta.chunks.forFile('b.md').map((chunk) => chunk.id)).toEqual([shared.id])
    expect(meta.files.get('a.md')?.chunkCount).toBe(1)
    expect(meta.files.get('b.md')?.chunkCount).toBe(1)
  })

  it('marks a file indexed at once when every kept chunk already has its vector', () => {
    const period = week('2023-04-03', '2023-04-09')
    const chunks = [draft('a.md', 0, 'one'), draft('a.md', 1, 'two')]
    meta.replaceFile(fileInput('a.md', period, 'v1'), chunks)
    expect(meta.files.get('a.md')?.status).toBe('pending')
    meta.chunks.markEmbedded(chunks.map((chunk) => chunk.id))
    const again = meta.replaceFile(fileInput('a.md', period, 'v2'), chunks)
    expect(again).toEqual({ added: [], removedIds: [], keptIds: chunks.map((chunk) => chunk.id), removedVectors: [] })
    const record = meta.files.get('a.md')
    expect(record?.status).toBe('indexed')
    expect(record?.indexedAt).not.toBeNull()
  })

  it('returns the removed chunks that had vectors, read in the same pass as the diff', () => {
    const period = week('2023-04-03', '2023-04-09')
    const [one, two, three] = [draft('a.md', 0, 'one'), draft('a.md', 1, 'two'), draft('a.md', 2, 'three')]
    meta.replaceFile(fileInput('a.md', period, 'v1'), [one, two, three])
    meta.chunks.markEmbedded([one.id, two.id])
    const result = meta.replaceFile(fileInput('a.md', period, 'v2'), [one])
    expect(result.removedIds.sort()).toEqual([two.id, three.id].sort())
    expect(result.removedVectors).toEqual([{ id: two.id, contentHash: two.contentHash }])
    expect(result.keptIds).toEqual([one.id])
  })

  it('rolls back the manifest row with the chunks when the write fails half way', () => {
    const period = week('2023-04-03', '2023-04-09')
    const chunk = draft('a.md', 0, 'one')
    expect(() => meta.replaceFile(fileInput('a.md', period), [chunk, chunk])).toThrow(/Duplicate chunk id/)
    expect(meta.files.get('a.md')).toBeNull()
    expect(meta.chunks.count()).toBe(0)
  })

  it('markFailed and deleteFile drop the chunks with the row change and return their ids', () => {
    const period = week('2023-04-03', '2023-04-09')
    const chunks = [draft('a.md', 0, 'one'), draft('a.md', 1, 'two')]
    meta.replaceFile(fileInput('a.md', period), chunks)
    meta.chunks.markEmbedded([chunks[1].id])
    const failed = meta.markFailed('a.md', 'file-unreadable', 'gone', null)
    expect(failed.removedIds.sort()).toEqual(chunks.map((chunk) => chunk.id).sort())
    expect(failed.removedVectors).toEqual([{ id: chunks[1].id, contentHash: chunks[1].contentHash }])
    expect(meta.files.get('a.md')).toMatchObject({ status: 'failed', errorCode: 'file-unreadable', chunkCount: 0, size: 'a.md'.length })
    expect(meta.files.listFailed().map((file) => file.path)).toEqual(['a.md'])
    expect(meta.deleteFile('a.md')).toEqual({ removedIds: [], removedVectors: [] })
    expect(meta.files.count()).toBe(0)
  })

  it('completeFiles marks only pending files with no chunk waiting; resetEmbedded undoes it', () => {
    const period = week('2023-04-03', '2023-04-09')
    const a = draft('a.md', 0, 'one')
    const b = draft('b.md', 0, 'two')
    meta.replaceFile(fileInput('a.md', period), [a])
    meta.replaceFile(fileInput('b.md', period), [b])
    meta.chunks.markEmbedded([a.id])
    expect(meta.files.pendingPaths()).toEqual(['a.md', 'b.md'])
    expect(meta.completeFiles(['a.md', 'b.md', 'missing.md'])).toEqual(['a.md'])
    expect(meta.chunks.pathsWithPending()).toEqual(['b.md'])
    meta.resetEmbedded()
    expect(meta.files.pendingPaths()).toEqual(['a.md', 'b.md'])
    expect(meta.chunks.countEmbedded()).toBe(0)
  })
})

describe('SyncRepository', () => {
  it('keeps the outbox per server, in order, counting attempts', () => {
    const sync = meta.sync
    sync.addToOutbox({ batchId: 'b1', baseUrl: 'https://one/', body: '{"a":1}', summary: summary('a.md') })
    sync.addToOutbox({ batchId: 'b2', baseUrl: 'https://one/', body: '{"b":2}', summary: summary('b.md') })
    sync.addToOutbox({ batchId: 'b3', baseUrl: 'https://two/', body: '{}', summary: summary('c.md') })
    sync.countAttempt('b1')
    sync.countAttempt('b1')
    expect(sync.outbox('https://one/').map((batch) => [batch.batchId, batch.attempts, batch.summary.upserts[0].path])).toEqual([
      ['b1', 2, 'a.md'],
      ['b2', 0, 'b.md'],
    ])
    expect(sync.dropOutboxExcept('https://one/')).toBe(1)
    expect(sync.outbox('https://two/')).toEqual([])
    sync.removeFromOutbox('b1')
    expect(sync.outbox('https://one/').map((batch) => batch.body)).toEqual(['{"b":2}'])
  })

  it('caches the server manifest: replace, put, delete', () => {
    const entry = (path: string) => ({ path, sha256: sha256(path), chunkCount: 1, chunksSha256: sha256(`${path}#`), embeddingKey: null })
    meta.sync.replaceRemoteFiles([entry('a.md'), entry('b.md')])
    meta.sync.putRemoteFile({ ...entry('a.md'), chunkCount: 3, embeddingKey: 'k' })
    meta.sync.deleteRemoteFile('b.md')
    meta.sync.putRemoteFile(entry('c.md'))
    expect([...meta.sync.remoteFiles().values()].sort((x, y) => x.path.localeCompare(y.path))).toEqual([
      { ...entry('a.md'), chunkCount: 3, embeddingKey: 'k' },
      entry('c.md'),
    ])
    meta.sync.replaceRemoteFiles([])
    expect(meta.sync.remoteFiles().size).toBe(0)
  })

  it('keeps its status in the state table, and survives a reopen', () => {
    meta.sync.setRemoteInfo({ baseUrl: 'https://one/', revision: 'r1', fetchedAt: '2024-01-01T00:00:00.000Z', maxBatchBytes: 1000 })
    meta.sync.setLastSuccessAt('2024-01-02T00:00:00.000Z')
    meta.sync.setLastError({ code: 'sync-failed', message: 'x', retryable: true })
    meta.dispose()
    meta = MetaStore.open(dbPath)
    expect(meta.sync.remoteInfo()?.revision).toBe('r1')
    expect(meta.sync.lastSuccessAt()).toBe('2024-01-02T00:00:00.000Z')
    expect(meta.sync.lastError()?.code).toBe('sync-failed')
    expect(meta.state.get('sync.lastSuccessAt')).toBe('2024-01-02T00:00:00.000Z')
    meta.sync.setLastError(null)
    meta.sync.setRemoteInfo(null)
    expect(meta.sync.lastError()).toBeNull()
    expect(meta.sync.remoteInfo()).toBeNull()
  })

  it('hashes every file’s chunk hashes in ordinal order in one pass', () => {
    const period = week('2023-04-03', '2023-04-09')
    const a = [draft('a.md', 0, 'one'), draft('a.md', 1, 'two')]
    meta.replaceFile(fileInput('a.md', period), a)
    meta.replaceFile(fileInput('b.md', period), [draft('b.md', 0, 'three')])
    const hashes = meta.sync.localChunkHashes((text) => `H(${text})`)
    expect(hashes.get('a.md')).toBe(`H(${a[0].contentHash}\n${a[1].contentHash})`)
    expect([...hashes.keys()]).toEqual(['a.md', 'b.md'])
  })

  it('commits with the index in one transaction, or not at all', () => {
    expect(() =>
      meta.transaction(() => {
        meta.sync.addToOutbox({ batchId: 'b1', baseUrl: 'https://one/', body: '{}', summary: summary('a.md') })
        meta.sync.setLastSuccessAt('now')
        throw new Error('crash')
      }),
    ).toThrow('crash')
    expect(meta.sync.outbox('https://one/')).toEqual([])
    expect(meta.sync.lastSuccessAt()).toBeNull()
  })
})

describe('IndexSummaryRepository', () => {
  it('is empty on an empty index', () => {
    expect(meta.summary.indexedCounts()).toEqual({ files: 0, chunks: 0 })
    expect(meta.summary.span()).toBeNull()
    expect(meta.summary.latestPeriod()).toBeNull()
    expect(meta.summary.busiestMonths(12)).toEqual([])
    expect(meta.summary.sampleChunkTexts(100)).toEqual([])
    expect(meta.summary.chunkCountsByPeriod()).toEqual([])
  })

  it('counts, spans, samples and groups what is indexed', () => {
    const march = week('2023-03-06', '2023-03-12')
    const april = week('2023-04-03', '2023-04-09', 'front-matter:date')
    const a = [draft('a.md', 0, 'kafka consumer lag'), draft('a.md', 1, 'lunch')]
    const b = [draft('b.md', 0, 'kafka rebalancing')]
    meta.replaceFile(fileInput('a.md', march), a)
    meta.replaceFile(fileInput('b.md', april), b)
    meta.replaceFile(fileInput('c.md', april), [draft('c.md', 0, 'more kafka')])
    meta.chunks.markEmbedded([...a, ...b].map((chunk) => chunk.id))
    meta.completeFiles(['a.md', 'b.md', 'c.md'])
    expect(meta.summary.indexedCounts()).toEqual({ files: 2, chunks: 3 })
    expect(meta.summary.span()).toEqual({ start: '2023-03-06', end: '2023-04-09' })
    expect(meta.summary.latestPeriod()).toEqual({ start: '2023-04-03', end: '2023-04-09' })
    expect(meta.summary.busiestMonths(1)).toEqual(['2023-04'])
    expect(meta.summary.sampleChunkTexts(100)).toHaveLength(4)
    expect(meta.summary.sampleChunkTexts(2).length).toBeLessThanOrEqual(2)
    expect(meta.summary.chunkCountsByPeriod()).toEqual([
      { start: '2023-03-06', end: '2023-03-12', count: 2 },
      { start: '2023-04-03', end: '2023-04-09', count: 2 },
    ])
    expect(meta.summary.keywordCountsByPeriod('"kafka"')).toEqual([
      { start: '2023-03-06', end: '2023-03-12', count: 1 },
      { start: '2023-04-03', end: '2023-04-09', count: 2 },
    ])
    expect(meta.summary.periodSourceCounts()).toEqual({
      files: { 'file-name': 1, 'front-matter:date': 2 },
      chunks: { 'file-name': 2, 'front-matter:date': 2 },
    })
  })
})
