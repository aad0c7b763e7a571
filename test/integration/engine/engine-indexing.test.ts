import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { MetaStore } from '../../../electron/engine/store/meta-store'
import { VectorStore } from '../../../electron/engine/store/vector-store'
import { dataPaths } from '../../../electron/engine/settings/data-dir'
import { openTestEngine, type EngineFixture } from '../../support/engine-fixture'
import { makeTempDir, waitFor, writeFiles } from '../../support/temp-dir'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function weekNote(week: number, done: string, learned = 'Read about caching.', next = 'Plan the next sprint.'): string {
  return `# 2023-W${String(week).padStart(2, '0')}\n\n## Done\n\n- ${done}\n- Reviewed pull requests with Dana\n\n## Learned\n\n${learned}\n\n## Next\n\n- ${next}\n\n## Blockers\n\nnone\n`
}

function makeFolder(files: Record<string, string | Buffer>): string {
  const temp = makeTempDir('notes-rag-notes-')
  cleanups.push(temp.cleanup)
  const folder = path.join(temp.dir, 'weekly')
  fs.mkdirSync(folder)
  writeFiles(folder, files)
  return folder
}

async function open(folder: string, options: Parameters<typeof openTestEngine>[1] = {}): Promise<EngineFixture> {
  const fixture = await openTestEngine(folder, options)
  cleanups.push(fixture.cleanup)
  return fixture
}

/** Reads both stores directly, as a check independent of the engine. */
async function inspect(dataDir: string) {
  const paths = dataPaths(dataDir)
  const meta = MetaStore.open(paths.database)
  const vectors = await VectorStore.open(paths.vectors)
  try {
    const table = meta.models.getActive()?.table ?? null
    const vectorIds = table ? await vectors.allIds(table) : []
    const chunkIds = meta.chunks.allIds()
    return {
      files: meta.files.list(),
      chunkIds,
      vectorIds,
      embedded: meta.chunks.countEmbedded(),
      tables: await vectors.listTables(),
    }
  } finally {
    meta.dispose()
    await vectors.dispose()
  }
}

const base = {
  '2023/2023-W10.md': weekNote(10, 'Shipped the search feature to beta users'),
  '2023/2023-W11.md': weekNote(11, 'Started the Postgres migration with Priya'),
  '2023/2023-W12.md': weekNote(12, 'Tried Kubernetes for the first time on the staging cluster'),
  'notes.txt': 'Plain text idea list: a tray quick-search and a weekly digest.',
}

describe('Engine indexing (real SQLite, LanceDB, Transformers.js tiny model)', () => {
  it('indexes a folder: files, chunks with line ranges and periods, vectors for every chunk', async () => {
    const folder = makeFolder(base)
    const { engine, dataDir } = await open(folder)
    const summary = await engine.call('reindex', [])
    expect(summary).toMatchObject({ added: 4, changed: 0, removed: 0, failed: 0 })
    expect(summary.chunksEmbedded).toBeGreaterThan(0)
    const status = await engine.call('getStatus', [])
    expect(status.files).toBe(4)
    expect(status.chunks).toBeGreaterThanOrEqual(7)
    expect(status.vectors).toBe(status.chunks)
    expect(status.embedding.type).toBe('ready')
    expect(status.lastIndexedAt).not.toBeNull()
    const state = await inspect(dataDir)
    expect(new Set(state.vectorIds)).toEqual(new Set(state.chunkIds))
    const week12 = state.files.find((file) => file.path === '2023/2023-W12.md')!
    expect(week12.period).toMatchObject({ start: '2023-03-20', end: '2023-03-26', source: 'file-name' })
    // "Blockers: none" is template boilerplate and must not be a chunk of its own.
    const search = await engine.call('search', ['Blockers none', { limit: 20 }])
    expect(search.hits.every((hit) => !hit.headingPath.includes('Blockers'))).toBe(true)
  })

  it('a restart over an unchanged folder embeds nothing and changes nothing', async () => {
    const folder = makeFolder(base)
    const fixture = await open(folder)
    await fixture.engine.call('reindex', [])
    const before = await inspect(fixture.dataDir)
    await fixture.close()
    const engine = await fixture.reopen()
    const summary = await engine.call('reindex', [])
    expect(summary).toMatchObject({ added: 0, changed: 0, removed: 0, unchanged: 4, chunksEmbedded: 0 })
    const after = await inspect(fixture.dataDir)
    expect(after.chunkIds.sort()).toEqual(before.chunkIds.sort())
    expect(after.vectorIds.sort()).toEqual(before.vectorIds.sort())
  })

  it('editing one section re-embeds only the chunks whose text changed', async () => {
    const folder = makeFolder(base)
    const { engine } = await open(folder)
    await engine.call('reindex', [])
    const file = path.join(folder, '2023/2023-W11.md')
    fs.writeFileSync(file, weekNote(11, 'Started the Postgres migration with Priya', 'Learned how logical replication works.'))
    const summary = await engine.call('reindex', [])
    expect(summary.changed).toBe(1)
    expect(summary.chunksEmbedded).toBe(1)
    const hits = await engine.call('search', ['logical replication', {}])
    expect(hits.hits[0].path).toBe('2023/2023-W11.md')
  })

  it('a renamed or moved file re-embeds nothing', async () => {
    const folder = makeFolder(base)
    const { engine, dataDir } = await open(folder)
    await engine.call('reindex', [])
    fs.mkdirSync(path.join(folder, 'archive'))
    fs.renameSync(path.join(folder, '2023/2023-W10.md'), path.join(folder, 'archive/2023-W10.md'))
    const summary = await engine.call('reindex', [])
    expect(summary).toMatchObject({ renamed: 1, removed: 0, added: 0, chunksEmbedded: 0 })
    expect(summary.chunksReused).toBeGreaterThan(0)
    const state = await inspect(dataDir)
    expect(state.files.map((f) => f.path)).toContain('archive/2023-W10.md')
    expect(state.files.map((f) => f.path)).not.toContain('2023/2023-W10.md')
    expect(new Set(state.vectorIds)).toEqual(new Set(state.chunkIds))
  })

  it('deleting a file removes its chunks and vectors', async () => {
    const folder = makeFolder(base)
    const { engine, dataDir } = await open(folder)
    await engine.call('reindex', [])
    fs.rmSync(path.join(folder, '2023/2023-W12.md'))
    const summary = await engine.call('reindex', [])
    expect(summary.removed).toBe(1)
    const state = await inspect(dataDir)
    expect(state.files.map((f) => f.path)).not.toContain('2023/2023-W12.md')
    expect(new Set(state.vectorIds)).toEqual(new Set(state.chunkIds))
    const search = await engine.call('search', ['Kubernetes staging cluster', {}])
    expect(search.hits.some((hit) => hit.path === '2023/2023-W12.md')).toBe(false)
  })

  it('bad input gets a per-file error and the rest indexes', async () => {
    const huge = Buffer.alloc(50 * 1024 * 1024, 'a')
    const folder = makeFolder({
      ...base,
      'binary.md': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x01, 0x02]),
      'latin1.md': Buffer.from([0x23, 0x20, 0x43, 0x61, 0x66, 0xe9, 0x0a]),
      'empty.md': '',
      'huge.md': huge,
    })
    fs.symlinkSync('.', path.join(folder, 'loop'))
    fs.symlinkSync('missing-target.md', path.join(folder, 'dangling.md'))
    const { engine } = await open(folder)
    const summary = await engine.call('reindex', [])
    const status = await engine.call('getStatus', [])
    const codes = Object.fromEntries(status.errors.map((error) => [error.path, error.code]))
    expect(codes).toMatchObject({
      'binary.md': 'file-binary',
      'latin1.md': 'file-invalid-utf8',
      'huge.md': 'file-too-large',
      'dangling.md': 'file-vanished',
    })
    expect(status.errors.find((error) => error.path === 'huge.md')!.message).toMatch(/50\.0 MB/)
    expect(summary.failed).toBeGreaterThanOrEqual(4)
    // The good files and the empty file are indexed; the loop is not followed twice.
    expect(status.files).toBe(5)
    const search = await engine.call('search', ['Postgres migration', {}])
    expect(search.hits[0].path).toBe('2023/2023-W11.md')
    expect(search.hits.every((hit) => !hit.path.startsWith('loop/'))).toBe(true)
  })

  it('a file deleted between the change event and the read is skipped, not failed', async () => {
    const folder = makeFolder(base)
    const fixture = await open(folder, { watch: true })
    await waitFor(async () => (await fixture.engine.call('getStatus', [])).phase.type === 'ready', { what: 'first pass' })
    writeFiles(folder, { 'flash.md': '# gone soon' })
    fs.rmSync(path.join(folder, 'flash.md'))
    writeFiles(folder, { 'stays.md': '# Week notes\n\nKept this one about observability dashboards.' })
    await waitFor(async () => (await fixture.engine.call('search', ['observability dashboards', {}])).hits.length > 0, { what: 'stays.md indexed' })
    const status = await fixture.engine.call('getStatus', [])
    expect(status.errors).toEqual([])
  })
})
