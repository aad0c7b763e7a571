import fs from 'node:fs'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { dataPaths } from '../../../electron/engine/settings/data-dir'
import { VectorStore } from '../../../electron/engine/store/vector-store'
import { expectConsistent, indexJson, workspacesCleanedAfterAll, peekIndex, runCli, statusJson, type Workspace } from './reliability-harness'

const workspace = workspacesCleanedAfterAll()

async function indexedWorkspace(prefix: string, files: number) {
  const ws = await workspace(prefix, files)
  const first = await indexJson(ws)
  expect(first.summary.added).toBe(files)
  return { ws, chunks: first.status.chunks }
}

async function withVectors<T>(ws: Workspace, work: (store: VectorStore, table: string) => Promise<T>): Promise<T> {
  const table = peekActiveTable(ws)
  const store = await VectorStore.open(dataPaths(ws.dataDir).vectors)
  try {
    return await work(store, table)
  } finally {
    await store.dispose()
  }
}

function peekActiveTable(ws: Workspace): string {
  const db = new Database(dataPaths(ws.dataDir).database, { readonly: true })
  try {
    return db.prepare('SELECT table_name FROM embedding_models WHERE active = 1').pluck().get() as string
  } finally {
    db.close()
  }
}

function removeDatabase(ws: Workspace): string {
  const database = dataPaths(ws.dataDir).database
  for (const suffix of ['-wal', '-shm']) fs.rmSync(`${database}${suffix}`, { force: true })
  return database
}

describe('fault: damaged stores (real CLI processes)', () => {
  it('a deleted vectors/ folder: status counts what exists, the next pass re-embeds exactly what was lost', async () => {
    const { ws, chunks } = await indexedWorkspace('vectors-gone', 40)
    fs.rmSync(dataPaths(ws.dataDir).vectors, { recursive: true })

    const status = await statusJson(ws)
    expect(status).toMatchObject({ chunks, vectors: 0 })
    expect(status.repairs).toMatchObject({ missingVectors: chunks })

    const repaired = await indexJson(ws)
    expect(repaired.summary).toMatchObject({ unchanged: 40, chunksEmbedded: chunks })
    expect(repaired.status).toMatchObject({ chunks, vectors: chunks, folderState: 'ok' })
    await expectConsistent(ws)
  }, 120_000)

  it('100 deleted vector rows and a few orphan rows: re-queued, deleted, reported', async () => {
    const { ws, chunks } = await indexedWorkspace('rows-gone', 40)
    const lost = await withVectors(ws, async (store, table) => {
      const ids = (await store.allIds(table)).slice(0, 100)
      await store.deleteIds(table, ids)
      await store.upsert(
        table,
        Array.from({ length: 5 }, (_, index) => ({ id: `orphan-${index}`, contentHash: 'gone', path: 'gone.md', periodStart: '2020-01-01', periodEnd: '2020-01-07', vector: new Float32Array(64).fill(0.1) })),
      )
      return ids.length
    })
    expect(lost).toBe(100)

    const repaired = await indexJson(ws)
    expect(repaired.summary.repairs).toMatchObject({ missingVectors: 100, orphanVectors: 5, foundVectors: 0 })
    // Every lost vector is back, each either computed again or copied from a chunk with the same text.
    expect(repaired.summary.chunksEmbedded + repaired.summary.chunksReused).toBe(100)
    expect(repaired.status.vectors).toBe(chunks)
    const human = await runCli(['status', ...ws.flags])
    expect(human.stdout).toMatch(/Last repair: .*100 lost vectors queued again, 5 orphans deleted/)
    await expectConsistent(ws)
  }, 120_000)

  it('garbage and truncated index.sqlite are kept and reported; an empty one rebuilds reusing every vector LanceDB has', async () => {
    const { ws, chunks } = await indexedWorkspace('sqlite', 40)
    const database = removeDatabase(ws)
    const good = fs.readFileSync(database)

    const garbage = Buffer.from('this is not a database '.repeat(400))
    fs.writeFileSync(database, garbage)
    const refusedGarbage = await runCli(['index', ws.folder, ...ws.flags])
    expect(refusedGarbage.code).toBe(1)
    expect(refusedGarbage.stderr).toMatch(/damaged/)
    expect(fs.readFileSync(database).equals(garbage)).toBe(true)

    const truncated = good.subarray(0, Math.floor(good.length / 2))
    fs.writeFileSync(database, truncated)
    const refusedTruncated = await runCli(['index', ws.folder, ...ws.flags])
    expect(refusedTruncated.code, refusedTruncated.stdout).toBe(1)
    expect(refusedTruncated.stderr).toMatch(/damaged|malformed/)
    expect(fs.readFileSync(database).equals(truncated)).toBe(true)

    // An empty file (a restore that wrote nothing, a disk that lost it): rebuilt from the notes, vectors reused.
    fs.writeFileSync(database, '')
    const rebuilt = await indexJson(ws)
    expect(rebuilt.summary).toMatchObject({ added: 40, chunksEmbedded: 0 })
    expect(rebuilt.summary.repairs).toMatchObject({ foundVectors: chunks, orphanVectors: 0 })
    expect(rebuilt.status).toMatchObject({ files: 40, chunks, vectors: chunks })
    expect(peekIndex(ws.dataDir)?.embedded).toBe(chunks)
    await expectConsistent(ws)
  }, 150_000)
})
