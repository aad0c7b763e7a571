import { execFile } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BrainError } from '../../../../shared/errors'
import { SNIPPET_MARK_END, SNIPPET_MARK_START, splitSnippet } from '../../../../shared/search'
import { MetaStore } from '../../../../electron/engine/store/meta-store'
import { MIGRATIONS, latestVersion, migrate } from '../../../../electron/engine/store/migrations'
import { draft, fileInput, makeTempFolder, week } from './store-fixtures'

const run = promisify(execFile)

let temp: ReturnType<typeof makeTempFolder>
let dbPath: string
let store: MetaStore

beforeEach(() => {
  temp = makeTempFolder('meta')
  dbPath = join(temp.folder, 'data', 'index.sqlite')
  store = MetaStore.open(dbPath)
})

afterEach(() => {
  store.dispose()
  temp.remove()
})

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

describe('opening and migrations', () => {
  it('creates the folder, migrates an empty database and sets the pragmas', () => {
    const raw = new Database(dbPath, { readonly: true })
    try {
      expect(raw.pragma('user_version', { simple: true })).toBe(latestVersion())
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal')
      const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type IN ('table')").pluck().all()
      expect(tables).toEqual(
        expect.arrayContaining(['files', 'chunks', 'chunks_fts', 'state', 'embedding_models', 'conversations', 'messages']),
      )
    } finally {
      raw.close()
    }
  })

  it('re-opens an existing database with its data and without re-running migrations', () => {
    store.state.set('cursor', { at: 3 })
    store.replaceFile(fileInput('2023-W14.md', week('2023-04-03', '2023-04-09')), [draft('2023-W14.md', 0, 'hello')])
    store.dispose()
    store = MetaStore.open(dbPath)
    expect(store.state.get('cursor')).toEqual({ at: 3 })
    expect(store.chunks.count()).toBe(1)
    expect(store.chunks.keywordSearch('hello', {}, 5)).toHaveLength(1)
  })

  it('applies only the migrations after user_version, in one transaction', () => {
    const raw = new Database(join(temp.folder, 'raw.sqlite'))
    try {
      expect(migrate(raw)).toBe(0)
      const extra = [
        ...MIGRATIONS,
        { version: latestVersion() + 1, description: 'test column', up: (db: Database.Database) => db.exec('ALTER TABLE state ADD COLUMN note TEXT') },
      ]
      expect(migrate(raw, extra)).toBe(latestVersion())
      expect(raw.pragma('user_version', { simple: true })).toBe(latestVersion() + 1)
      expect(migrate(raw, extra)).toBe(latestVersion() + 1)

      const failing = [
        ...extra,
        {
          version: latestVersion() + 2,
          description: 'fails halfway',
          up: (db: Database.Database) => {
            db.exec('CREATE TABLE half (x)')
            throw new Error('boom')
          },
        },
      ]
      expect(() => migrate(raw, failing)).toThrow('boom')
      expect(raw.pragma('user_version', { simple: true })).toBe(latestVersion() + 1)
      expect(raw.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'half'").pluck().get()).toBe(0)
    } finally {
      raw.close()
    }
  })

  it('refuses a database written by a newer schema', () => {
    store.dispose()
    const raw = new Database(dbPath)
    raw.pragma(`user_version = ${latestVersion() + 5}`)
    raw.close()
    const error = thrown(() => MetaStore.open(dbPath))
    expect(BrainError.is(error, 'internal')).toBe(true)
    expect((error as Error).message).toMatch(/newer version/)
    store = MetaStore.open(join(temp.folder, 'other.sqlite'))
  })

  it('throws data-dir-unwritable when the folder cannot be created (a file is in the way)', () => {
    const blocker = join(temp.folder, 'not-a-folder')
    writeFileSync(blocker, 'x')
    const error = thrown(() => MetaStore.open(join(blocker, 'data', 'index.sqlite')))
    expect(BrainError.is(error, 'data-dir-unwritable')).toBe(true)
    expect((error as BrainError).message).toContain(join(blocker, 'data'))
    expect((error as BrainError).details).toEqual({ path: join(blocker, 'data', 'index.sqlite') })
  })

  it('throws data-dir-unwritable when the database path is a folder', () => {
    const folder = join(temp.folder, 'is-a-folder')
    mkdirSync(folder)
    const error = thrown(() => MetaStore.open(folder))
    expect(BrainError.is(error, 'data-dir-unwritable')).toBe(true)
  })

  it('dispose is idempotent and later calls fail with a typed error', () => {
    expect(store.files.count()).toBe(0)
    store.dispose()
    store.dispose()
    expect(BrainError.is(thrown(() => store.files.count()), 'engine-unavailable')).toBe(true)
    expect(BrainError.is(thrown(() => store.conversations.list()), 'engine-unavailable')).toBe(true)
    store = MetaStore.open(dbPath)
  })

  it('sees a write made by another process while open (WAL)', async () => {
    store.state.set('owner', 'engine')
    const script = `
      const Database = require('better-sqlite3')
      const db = new Database(process.argv[1])
      db.pragma('busy_timeout = 5000')
      db.prepare("INSERT INTO state (key, value) VALUES ('from-child', ?)").run(JSON.stringify({ pid: process.pid }))
      db.close()
    `
    const { stderr } = await run(process.execPath, ['-e', script, dbPath], { cwd: process.cwd() })
    expect(stderr).toBe('')
    expect(store.state.get<{ pid: number }>('from-child')?.pid).toEqual(expect.any(Number))
    store.state.set('after', 1)
    expect(store.state.get('owner')).toBe('engine')
    expect(store.state.get('after')).toBe(1)
  })
})

describe('manifest and chunks', () => {
  const period = week('2023-04-03', '2023-04-09')

  it('replaceFile diffs by id: keeps, adds and removes, keeping embedded flags', () => {
    const a = draft('2023-W14.md', 0, 'alpha text')
    const b = draft('2023-W14.md', 1, 'beta text')
    const c = draft('2023-W14.md', 2, 'gamma text')
    const first = store.replaceFile(fileInput('2023-W14.md', period, 'v1'), [a, b, c])
    expect(first.added.map((chunk) => chunk.id)).toEqual([a.id, b.id, c.id])
    expect(first.removedIds).toEqual([])
    expect(first.keptIds).toEqual([])
    expect(store.files.get('2023-W14.md')).toMatchObject({ status: 'pending', chunkCount: 3, period, label: '2023-W14' })

    store.chunks.markEmbedded([a.id, b.id])
    const d = draft('2023-W14.md', 2, 'delta text is new')
    const second = store.replaceFile(fileInput('2023-W14.md', period, 'v2'), [a, b, d])
    expect(second.keptIds).toEqual([a.id, b.id])
    expect(second.removedIds).toEqual([c.id])
    expect(second.added.map((chunk) => chunk.id)).toEqual([d.id])
    expect(second.added[0]).toMatchObject({ path: '2023-W14.md', periodStart: '2023-04-03', embedded: false })
    expect(store.chunks.forFile('2023-W14.md').map((chunk) => [chunk.id, chunk.embedded])).toEqual([
      [a.id, true],
      [b.id, true],
      [d.id, false],
    ])
    expect(store.files.get('2023-W14.md')?.status).toBe('pending')
    expect(store.chunks.keywordSearch('gamma', {}, 5)).toEqual([])
    expect(store.chunks.keywordSearch('delta', {}, 5).map((hit) => hit.chunkId)).toEqual([d.id])

    store.chunks.markEmbedded([d.id])
    const third = store.replaceFile(fileInput('2023-W14.md', period, 'v3'), [a, b, d])
    expect(third).toEqual({ added: [], removedIds: [], keptIds: [a.id, b.id, d.id], removedVectors: [] })
    const file = store.files.get('2023-W14.md')
    expect(file?.status).toBe('indexed')
    expect(file?.indexedAt).toMatch(/^\d{4}-\d\d-\d\dT/)
  })

  it('a kept chunk whose period changed comes back in `added` with its flag cleared', () => {
    const a = draft('notes.md', 0, 'undated note')
    store.replaceFile(fileInput('notes.md', week('2023-01-01', '2023-01-01', 'mtime')), [a])
    store.chunks.markEmbedded([a.id])
    const result = store.replaceFile(fileInput('notes.md', week('2023-02-01', '2023-02-01', 'mtime')), [a])
    expect(result.keptIds).toEqual([])
    expect(result.added.map((chunk) => [chunk.id, chunk.periodStart])).toEqual([[a.id, '2023-02-01']])
    expect(store.chunks.getMany([a.id])[0]).toMatchObject({ periodStart: '2023-02-01', embedded: false })
    expect(store.files.get('notes.md')?.period).toEqual({ start: '2023-02-01', end: '2023-02-01', source: 'mtime', inferred: true })
  })

  it('a file with no chunks is indexed at once; duplicate ids are invalid input', () => {
    store.replaceFile(fileInput('empty.md', period), [])
    expect(store.files.get('empty.md')).toMatchObject({ status: 'indexed', chunkCount: 0 })
    const a = draft('dup.md', 0, 'same')
    expect(BrainError.is(thrown(() => store.replaceFile(fileInput('dup.md', period), [a, a])), 'invalid-input')).toBe(true)
    expect(store.files.get('dup.md')).toBeNull()
  })

  it('markFailed removes the chunks and returns their ids; deleteFile forgets the file', () => {
    const a = draft('a.md', 0, 'first')
    const b = draft('a.md', 1, 'second')
    store.replaceFile(fileInput('a.md', period, 'same content'), [a, b])
    store.replaceFile(fileInput('copy-of-a.md', period, 'same content'), [draft('copy-of-a.md', 0, 'first')])
    expect(store.files.findByHash(fileInput('a.md', period, 'same content').sha256).map((file) => file.path)).toEqual([
      'a.md',
      'copy-of-a.md',
    ])

    const removed = store.markFailed('a.md', 'file-invalid-utf8', 'Not UTF-8', { size: 99, mtimeMs: 5 })
    expect(removed.removedIds.sort()).toEqual([a.id, b.id].sort())
    expect(store.files.get('a.md')).toMatchObject({
      status: 'failed',
      errorCode: 'file-invalid-utf8',
      errorMessage: 'Not UTF-8',
      size: 99,
      mtimeMs: 5,
      chunkCount: 0,
    })
    expect(store.chunks.forFile('a.md')).toEqual([])
    expect(store.chunks.keywordSearch('second', {}, 5)).toEqual([])
    expect(store.files.listFailed().map((file) => file.path)).toEqual(['a.md'])

    // Without a stat, the last known size and mtime stay.
    expect(store.markFailed('a.md', 'file-vanished', 'Gone', null)).toEqual({ removedIds: [], removedVectors: [] })
    expect(store.files.get('a.md')).toMatchObject({ size: 99, mtimeMs: 5, errorCode: 'file-vanished' })
    expect(store.markFailed('never-seen.md', 'file-unreadable', 'EIO', null)).toEqual({ removedIds: [], removedVectors: [] })
    expect(store.files.get('never-seen.md')).toMatchObject({ status: 'failed', size: 0 })

    // Indexing it again clears the error.
    store.replaceFile(fileInput('a.md', period), [a])
    expect(store.files.get('a.md')).toMatchObject({ status: 'pending', errorCode: null, errorMessage: null })

    const copyIds = store.chunks.forFile('copy-of-a.md').map((chunk) => chunk.id)
    expect(store.deleteFile('copy-of-a.md').removedIds).toEqual(copyIds)
    expect(store.files.get('copy-of-a.md')).toBeNull()
    expect(store.deleteFile('copy-of-a.md')).toEqual({ removedIds: [], removedVectors: [] })
    expect(store.files.count()).toBe(2)
    expect(store.files.list().map((file) => file.path)).toEqual(['a.md', 'never-seen.md'])
  })

  it('tracks vectors: chunksNeedingVectors, markEmbedded, resetEmbedded, counts, completeFiles', () => {
    const one = [draft('one.md', 0, 'a'), draft('one.md', 1, 'b')]
    const two = [draft('two.md', 0, 'c')]
    store.replaceFile(fileInput('one.md', period), one)
    store.replaceFile(fileInput('two.md', period), two)
    expect(store.chunks.count()).toBe(3)
    expect(store.chunks.countEmbedded()).toBe(0)
    expect(store.chunks.needingVectors(2).map((chunk) => chunk.id)).toEqual([one[0].id, one[1].id])
    expect(store.chunks.pathsWithPending()).toEqual(['one.md', 'two.md'])

    store.chunks.markEmbedded(one.map((chunk) => chunk.id))
    expect(store.chunks.countEmbedded()).toBe(2)
    expect(store.chunks.needingVectors(10).map((chunk) => chunk.id)).toEqual([two[0].id])
    expect(store.chunks.pathsWithPending()).toEqual(['two.md'])
    expect(store.completeFiles(['one.md', 'two.md'])).toEqual(['one.md'])
    expect(store.files.get('one.md')?.status).toBe('indexed')
    expect(store.files.get('two.md')?.status).toBe('pending')

    store.chunks.markEmbedded([one[0].id], false)
    expect(store.chunks.countEmbedded()).toBe(1)
    store.resetEmbedded()
    expect(store.chunks.countEmbedded()).toBe(0)
    expect(store.files.get('one.md')?.status).toBe('pending')
    expect(store.chunks.allIds()).toEqual([...one, ...two].map((chunk) => chunk.id))
    expect(store.chunks.getMany([two[0].id, 'missing', one[1].id]).map((chunk) => chunk.id)).toEqual([two[0].id, one[1].id])
    expect(store.chunks.getMany([two[0].id])[0]).toEqual({
      ...two[0],
      path: 'two.md',
      periodStart: period.start,
      periodEnd: period.end,
      periodSource: period.source,
      periodInferred: period.inferred,
      title: null,
      fields: '',
      embedded: false,
    })
  })

  it('keeps the keyword index in step through replaces, failures and deletes', () => {
    for (let round = 0; round < 5; round += 1) {
      for (let file = 0; file < 4; file += 1) {
        const path = `w${file}.md`
        const chunks = Array.from({ length: 3 + ((round + file) % 3) }, (_, index) => draft(path, index, `round ${round % 2} text ${index} ${file}`))
        store.replaceFile(fileInput(path, week(`2023-0${file + 1}-01`, `2023-0${file + 1}-07`)), chunks)
      }
      store.markFailed('w1.md', 'file-too-large', 'Too big', { size: 1, mtimeMs: 1 })
      store.deleteFile('w2.md')
    }
    store.chunks.checkKeywordIndex()
    expect(store.chunks.keywordSearch('round', {}, 100)).toHaveLength(store.chunks.count())

    // A chunk row changed behind the index's back is detected, and a rebuild repairs it.
    const raw = new Database(dbPath)
    try {
      raw.exec('DROP TRIGGER chunks_fts_update')
      raw.exec("UPDATE chunks SET embed_text = 'replaced behind its back' WHERE ordinal = 0")
      raw.exec(`CREATE TRIGGER chunks_fts_update AFTER UPDATE OF heading_path, embed_text ON chunks BEGIN
          INSERT INTO chunks_fts (chunks_fts, rowid, heading_path, embed_text) VALUES ('delete', old.seq, old.heading_path, old.embed_text);
          INSERT INTO chunks_fts (rowid, heading_path, embed_text) VALUES (new.seq, new.heading_path, new.embed_text);
        END`)
    } finally {
      raw.close()
    }
    expect(BrainError.is(thrown(() => store.chunks.checkKeywordIndex()), 'internal')).toBe(true)
    store.chunks.rebuildKeywordIndex()
    store.chunks.checkKeywordIndex()
    expect(store.chunks.keywordSearch('behind', {}, 100).length).toBeGreaterThan(0)
  })

  it('getChunks and markEmbedded work past the batch size', () => {
    const chunks = Array.from({ length: 1200 }, (_, index) => draft('big.md', index, `paragraph number ${index}`))
    store.replaceFile(fileInput('big.md', period), chunks)
    const ids = chunks.map((chunk) => chunk.id).reverse()
    expect(store.chunks.getMany(ids).map((chunk) => chunk.id)).toEqual(ids)
    store.chunks.markEmbedded(ids)
    expect(store.chunks.countEmbedded()).toBe(1200)
  })
})

describe('keyword search and periods', () => {
  beforeEach(() => {
    store.replaceFile(fileInput('2023-W10.md', week('2023-03-06', '2023-03-12')), [
      draft('2023-W10.md', 0, 'Deployed the kubernetes cluster upgrade.', ['Infra']),
      draft('2023-W10.md', 1, 'Lunch with Zoë about the café project.', ['People']),
    ])
    store.replaceFile(fileInput('2023-W14.md', week('2023-04-03', '2023-04-09')), [
      draft('2023-W14.md', 0, 'Kubernetes again: deploying, deploying, deploying the kubernetes ingress.', ['Infra']),
    ])
    store.replaceFile(fileInput('projects/garden.md', week('2023-03-20', '2023-03-20', 'front-matter:date')), [
      draft('projects/garden.md', 0, 'Planted tomatoes; kubernetes is not involved.', ['Garden']),
    ])
    store.replaceFile(fileInput('projects/kubernetes.md', week('2024-01-01', '2024-01-07')), [
      draft('projects/kubernetes.md', 0, 'Notes on running things.', ['Kubernetes']),
    ])
  })

  const idOf = (path: string, ordinal = 0): string => store.chunks.forFile(path)[ordinal].id

  it('finds stemmed and accent-folded terms, best bm25 first, with marked snippets', () => {
    const hits = store.chunks.keywordSearch('deploy', {}, 10)
    expect(hits.map((hit) => hit.chunkId)).toEqual([idOf('2023-W14.md'), idOf('2023-W10.md')])
    expect(hits[0].rank).toBeLessThan(hits[1].rank)
    expect(hits[0].snippet).toContain(`${SNIPPET_MARK_START}deploying${SNIPPET_MARK_END}`)
    expect(splitSnippet(hits[1].snippet).filter((part) => part.marked).map((part) => part.text)).toEqual(['Deployed'])

    expect(store.chunks.keywordSearch('zoe AND cafe', {}, 10).map((hit) => hit.chunkId)).toEqual([idOf('2023-W10.md', 1)])
  })

  it('weights heading text above body text', () => {
    // Both mention kubernetes once in their indexed text; the one with it as a heading ranks first.
    const hits = store.chunks.keywordSearch('kubernetes', { pathPrefix: 'projects/' }, 10)
    expect(hits.map((hit) => hit.chunkId)).toEqual([idOf('projects/kubernetes.md'), idOf('projects/garden.md')])
  })

  it('applies the period overlap and path prefix filters', () => {
    const march = { start: '2023-03-01', end: '2023-03-31' }
    expect(new Set(store.chunks.keywordSearch('kubernetes', { period: march }, 10).map((hit) => hit.chunkId))).toEqual(
      new Set([idOf('2023-W10.md'), idOf('projects/garden.md')]),
    )
    // A week that straddles the range boundary overlaps it.
    expect(store.chunks.keywordSearch('kubernetes', { period: { start: '2023-04-09', end: '2023-04-30' } }, 10).map((hit) => hit.chunkId)).toEqual([
      idOf('2023-W14.md'),
    ])
    expect(store.chunks.keywordSearch('kubernetes', { period: march, pathPrefix: 'projects/' }, 10).map((hit) => hit.chunkId)).toEqual([
      idOf('projects/garden.md'),
    ])
    expect(store.chunks.keywordSearch('kubernetes', { pathPrefix: 'project_' }, 10)).toEqual([])
    expect(store.chunks.keywordSearch('kubernetes', {}, 2)).toHaveLength(2)
  })

  it('throws invalid-input for a malformed MATCH expression and returns nothing for an empty one', () => {
    for (const query of ['"unbalanced', 'AND', 'kubernetes NEAR(', 'nosuchcolumn: x']) {
      const error = thrown(() => store.chunks.keywordSearch(query, {}, 5))
      expect(BrainError.is(error, 'invalid-input'), query).toBe(true)
    }
    expect(store.chunks.keywordSearch('   ', {}, 5)).toEqual([])
    expect(store.chunks.keywordSearch('kubernetes', {}, 5).length).toBeGreaterThan(0)
  })

  it('chunksInPeriod orders by period start, path and position', () => {
    const all = store.chunks.inPeriod({}, 100).map((chunk) => `${chunk.path}#${chunk.ordinal}`)
    expect(all).toEqual(['2023-W10.md#0', '2023-W10.md#1', 'projects/garden.md#0', '2023-W14.md#0', 'projects/kubernetes.md#0'])
    const march = store.chunks.inPeriod({ period: { start: '2023-03-01', end: '2023-03-31' } }, 100)
    expect(march.map((chunk) => `${chunk.path}#${chunk.ordinal}`)).toEqual(['2023-W10.md#0', '2023-W10.md#1', 'projects/garden.md#0'])
    expect(store.chunks.inPeriod({ period: { start: '2023-03-01', end: '2023-03-31' } }, 2)).toHaveLength(2)
    expect(store.chunks.inPeriod({ pathPrefix: 'projects/' }, 100).map((chunk) => chunk.path)).toEqual([
      'projects/garden.md',
      'projects/kubernetes.md',
    ])
  })
})

describe('state and embedding models', () => {
  it('stores JSON state', () => {
    expect(store.state.get('missing')).toBeNull()
    store.state.set('scan', { files: 3, list: ['a'] })
    store.state.set('scan', { files: 4, list: ['b'] })
    expect(store.state.get('scan')).toEqual({ files: 4, list: ['b'] })
    store.state.delete('scan')
    expect(store.state.get('scan')).toBeNull()
  })

  it('keeps one active model', () => {
    const base = { modelId: 'Xenova/bge-small-en-v1.5', dimensions: 384, fingerprint: [0.5, -0.25], createdAt: '2026-01-01T00:00:00.000Z' }
    store.models.upsert({ ...base, table: 'chunks_a', state: 'building' })
    store.models.upsert({ ...base, table: 'chunks_b', modelId: 'other', state: 'building', createdAt: '2026-01-02T00:00:00.000Z' })
    expect(store.models.getActive()).toBeNull()
    store.models.setActive('chunks_a')
    expect(store.models.getActive()).toEqual({ ...base, table: 'chunks_a', state: 'building' })
    store.models.upsert({ ...base, table: 'chunks_a', state: 'complete' })
    expect(store.models.getActive()?.state).toBe('complete')
    store.models.setActive('chunks_b')
    expect(store.models.getActive()?.table).toBe('chunks_b')
    expect(store.models.list().map((model) => model.table)).toEqual(['chunks_a', 'chunks_b'])
    expect(BrainError.is(thrown(() => store.models.setActive('nope')), 'not-found')).toBe(true)
    expect(store.models.getActive()?.table).toBe('chunks_b')
    expect(store.models.get('nope')).toBeNull()
    expect(store.models.delete('chunks_a')).toBe(true)
    expect(store.models.list()).toHaveLength(1)
  })
})

describe('conversations', () => {
  it('creates, lists newest first, appends, renames and deletes with cascade', () => {
    const first = store.conversations.create('First')
    const second = store.conversations.create('Second')
    expect(store.conversations.list().map((conversation) => conversation.id)).toEqual([second.id, first.id])

    const question = store.conversations.appendMessage(first.id, { role: 'user', content: 'What did I do in March?', answer: null })
    const answer = {
      answerId: 'a1',
      citations: [],
      sources: [],
      meta: {
        backend: 'retrieval-only' as const,
        model: null,
        strategy: 'retrieval-only' as const,
        standaloneQuery: 'March',
        period: { start: '2023-03-01', end: '2023-03-31', label: 'March 2023' },
        timeToFirstTokenMs: null,
        totalMs: 12,
        tokensIn: null,
        tokensOut: null,
        cost: null,
        fallbackReason: null,
        aborted: false,
      },
      error: null,
    }
    store.conversations.appendMessage(first.id, { role: 'assistant', content: 'You deployed things.', answer })
    expect(store.conversations.list().map((conversation) => conversation.id)).toEqual([first.id, second.id])

    const loaded = store.conversations.get(first.id)
    expect(loaded.messages.map((message) => [message.role, message.content])).toEqual([
      ['user', 'What did I do in March?'],
      ['assistant', 'You deployed things.'],
    ])
    expect(loaded.messages[0]).toEqual(question)
    expect(loaded.messages[1].answer).toEqual(answer)
    expect(loaded.updatedAt > loaded.createdAt).toBe(true)

    expect(store.conversations.rename(second.id, 'Renamed').title).toBe('Renamed')
    expect(store.conversations.get(second.id).title).toBe('Renamed')

    expect(store.conversations.delete(first.id)).toBe(true)
    expect(store.conversations.delete(first.id)).toBe(false)
    expect(BrainError.is(thrown(() => store.conversations.get(first.id)), 'not-found')).toBe(true)
    expect(BrainError.is(thrown(() => store.conversations.rename(first.id, 'x')), 'not-found')).toBe(true)
    expect(
      BrainError.is(thrown(() => store.conversations.appendMessage(first.id, { role: 'user', content: 'x', answer: null })), 'not-found'),
    ).toBe(true)

    const raw = new Database(dbPath, { readonly: true })
    try {
      expect(raw.prepare('SELECT count(*) FROM messages').pluck().get()).toBe(0)
    } finally {
      raw.close()
    }
    expect(store.conversations.list().map((conversation) => conversation.title)).toEqual(['Renamed'])
  })
})
