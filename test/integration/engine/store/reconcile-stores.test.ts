import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { BrainError } from '../../../../shared/errors'
import { MetaStore } from '../../../../electron/engine/store/meta-store'
import { reconcileStores } from '../../../../electron/engine/store/reconcile-stores'
import type { ChunkRecord, VectorRow } from '../../../../electron/engine/store/types'
import { VectorStore } from '../../../../electron/engine/store/vector-store'
import { draft, fileInput, makeTempFolder, week } from './store-fixtures'

const DIMS = 4
let temp: ReturnType<typeof makeTempFolder>
let meta: MetaStore
let vectors: VectorStore
const table = VectorStore.tableName('tiny', DIMS)

function rowFor(chunk: ChunkRecord, overrides: Partial<VectorRow> = {}): VectorRow {
  return {
    id: chunk.id,
    contentHash: chunk.contentHash,
    path: chunk.path,
    periodStart: chunk.periodStart,
    periodEnd: chunk.periodEnd,
    vector: [1, chunk.ordinal, 0, 0],
    ...overrides,
  }
}

beforeEach(async () => {
  temp = makeTempFolder('reconcile')
  meta = MetaStore.open(join(temp.folder, 'index.sqlite'))
  vectors = await VectorStore.open(join(temp.folder, 'vectors'))
  await vectors.ensureTable(table, DIMS)
})

afterEach(async () => {
  meta.dispose()
  await vectors.dispose()
  temp.remove()
})

it('repairs flags and orphans left by a crash between the two stores', async () => {
  const period = week('2023-03-06', '2023-03-12')
  const { added } = meta.replaceFile(fileInput('w10.md', period), [
    draft('w10.md', 0, 'embedded and present'),
    draft('w10.md', 1, 'flagged but vector lost'),
    draft('w10.md', 2, 'vector written, flag not'),
    draft('w10.md', 3, 'vector with a stale period'),
    draft('w10.md', 4, 'never embedded'),
  ])
  const [present, lost, unflagged, stale, never] = added
  meta.chunks.markEmbedded([present.id, lost.id, stale.id])
  await vectors.upsert(table, [
    rowFor(present),
    rowFor(unflagged),
    rowFor(stale, { periodStart: '2020-01-01', periodEnd: '2020-01-07' }),
    { id: 'orphan', contentHash: 'x', path: 'deleted.md', periodStart: '2023', periodEnd: '2023', vector: [0, 1, 0, 0] },
  ])
  // A second file whose only chunk's vector exists: it was left pending by the crash and is complete after repair.
  const other = meta.replaceFile(fileInput('w11.md', week('2023-03-13', '2023-03-19')), [draft('w11.md', 0, 'complete')])
  await vectors.upsert(table, [rowFor(other.added[0])])

  const result = await reconcileStores(meta, vectors, table)
  expect(result).toEqual({ orphanVectors: 1, missingVectors: 2, foundVectors: 2, completedFiles: 1 })

  const flags = new Map(meta.chunks.forFile('w10.md').map((chunk) => [chunk.id, chunk.embedded]))
  expect(flags).toEqual(
    new Map([
      [present.id, true],
      [lost.id, false],
      [unflagged.id, true],
      [stale.id, false],
      [never.id, false],
    ]),
  )
  expect((await vectors.allIds(table)).sort()).toEqual([present.id, unflagged.id, stale.id, other.added[0].id].sort())
  expect(meta.files.get('w11.md')?.status).toBe('indexed')
  expect(meta.files.get('w10.md')?.status).toBe('pending')

  // Already consistent: a second pass changes nothing.
  expect(await reconcileStores(meta, vectors, table)).toEqual({ orphanVectors: 0, missingVectors: 0, foundVectors: 0, completedFiles: 0 })
})

it('stops when aborted', async () => {
  const controller = new AbortController()
  controller.abort()
  await expect(reconcileStores(meta, vectors, table, controller.signal)).rejects.toSatisfy((error) => BrainError.is(error, 'aborted'))
})
