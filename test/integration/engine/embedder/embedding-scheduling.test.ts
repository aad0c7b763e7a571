import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEmbedder, QUERY_CACHE_SIZE, WorkerEmbedder } from '../../../../electron/engine/embedder/create-embedder'
import { waitFor } from '../../../support/temp-dir'
import { ensureTinyEmbeddingModel, type TinyEmbeddingModel } from '../../../support/tiny-embedding-model'

const NO_HUB = 'http://127.0.0.1:9/'

function expectSameVector(actual: Float32Array, expected: Float32Array): void {
  expect(actual).toHaveLength(expected.length)
  for (let index = 0; index < expected.length; index++) expect(actual[index]).toBeCloseTo(expected[index], 5)
}

/** Texts of very different lengths in a mixed order, so sorting by length really reorders them. */
function mixedTexts(count: number): string[] {
  const words = ['database', 'migration', 'team', 'meeting', 'garden', 'budget', 'review', 'kubernetes', 'dentist']
  return Array.from({ length: count }, (_, index) => {
    const length = 1 + ((index * 17) % 40)
    return Array.from({ length }, (_, word) => words[(index + word * 5) % words.length]).join(' ') + ` item${index}`
  })
}

describe('embedding scheduling: length-sorted batches, concurrent queries, the query cache', () => {
  let model: TinyEmbeddingModel
  let sorted: WorkerEmbedder
  let unsorted: WorkerEmbedder

  beforeAll(async () => {
    model = await ensureTinyEmbeddingModel()
    const common = { model: model.modelId, modelsDir: model.modelsDir, allowDownload: false, remoteHost: NO_HUB, batchSize: 4, threads: 1 }
    ;[sorted, unsorted] = (await Promise.all([
      createEmbedder(common),
      createEmbedder({ ...common, scheduling: { sortByLength: false, concurrentQueries: false } }),
    ])) as [WorkerEmbedder, WorkerEmbedder]
  })
  afterAll(async () => {
    await sorted?.dispose()
    await unsorted?.dispose()
  })

  it('returns each passage its own vector in the caller order when batches are sorted by length', async () => {
    const texts = mixedTexts(37)
    const [fromSorted, fromUnsorted] = await Promise.all([sorted.embedPassages(texts), unsorted.embedPassages(texts)])
    expect(fromSorted).toHaveLength(texts.length)
    for (let index = 0; index < texts.length; index++) expectSameVector(fromSorted[index], fromUnsorted[index])
    // And each equals the text embedded alone (a mix-up between two texts would fail here, not only above).
    for (const index of [0, 5, 36]) expectSameVector(fromSorted[index], (await unsorted.embedPassages([texts[index]]))[0])
  })

  it('answers a query while a long passage job is in flight, with the vector it has alone', async () => {
    const texts = ['kubernetes migration', 'garden', 'team meeting budget', 'dentist review', 'database']
    const alone = await Promise.all(texts.map((text) => unsorted.embedQuery(`${text} alone`)))
    // The first passage job starts the query worker; until it has loaded, queries jump the bulk worker's queue.
    await sorted.embedPassages(mixedTexts(8))
    await waitFor(() => sorted.queriesHaveOwnWorker, { what: 'the query worker to load' })
    const bulk = sorted.embedPassages(mixedTexts(2000))
    const before = sorted.batchesCompleted
    const during: Float32Array[] = []
    for (const text of texts) {
      during.push(await sorted.embedQuery(`${text} alone`))
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    const batchesWhileQuerying = sorted.batchesCompleted - before
    const passages = await bulk
    texts.forEach((_, index) => expectSameVector(during[index], alone[index]))
    // 500 batches of passages were queued: the queries did not wait for them.
    expect(batchesWhileQuerying).toBeLessThan(400)
    expect(passages).toHaveLength(2000)
    // Without concurrent queries there is no second worker, however much bulk work there was.
    await unsorted.embedPassages(mixedTexts(50))
    expect(unsorted.queriesHaveOwnWorker).toBe(false)
  })

  it.runIf(process.platform === 'linux')('runs the bulk worker threads at a lower priority and the query worker at the normal one', async () => {
    const niceOf = (thread: string): number => {
      const stat = fs.readFileSync(`/proc/self/task/${thread}/stat`, 'utf8')
      // Fields after the parenthesised name: state is field 3, nice field 19.
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])
    }
    const niced = () => fs.readdirSync('/proc/self/task').filter((thread) => niceOf(thread) > 0).length
    const withoutNiced = niced()
    const embedder = (await createEmbedder({ model: model.modelId, modelsDir: model.modelsDir, allowDownload: false, remoteHost: NO_HUB, threads: 2 })) as WorkerEmbedder
    try {
      // The bulk worker's own thread and the one pool thread ONNX Runtime adds for threads: 2.
      expect(niced() - withoutNiced).toBe(2)
      // No query worker until bulk work starts: a search-only session (the CLI) loads one session.
      await embedder.embedQuery('before any passages')
      expect(embedder.queriesHaveOwnWorker).toBe(false)
      await embedder.embedPassages(mixedTexts(200))
      while (!embedder.queriesHaveOwnWorker) await new Promise((resolve) => setTimeout(resolve, 10))
      expect((await embedder.embedQuery('kubernetes')).length).toBeGreaterThan(0)
      // The query worker (one thread) added none.
      expect(niced() - withoutNiced).toBe(2)
    } finally {
      await embedder.dispose()
    }
  })

  it('serves a repeated query from the cache and returns a copy the caller may change', async () => {
    const hitsBefore = sorted.queryCacheHits
    const first = await sorted.embedQuery('garden budget review')
    const copy = Float32Array.from(first)
    first.fill(0)
    const second = await sorted.embedQuery('garden budget review')
    expect(sorted.queryCacheHits).toBe(hitsBefore + 1)
    expectSameVector(second, copy)
  })

  it('forgets the least recently used query once the cache is full', async () => {
    await sorted.embedQuery('query number 0')
    for (let index = 1; index <= QUERY_CACHE_SIZE; index++) await sorted.embedQuery(`query number ${index}`)
    const hits = sorted.queryCacheHits
    await sorted.embedQuery(`query number ${QUERY_CACHE_SIZE}`)
    expect(sorted.queryCacheHits).toBe(hits + 1)
    await sorted.embedQuery('query number 0')
    expect(sorted.queryCacheHits).toBe(hits + 1)
  })

  it('still honours an aborted signal for a cached query', async () => {
    await sorted.embedQuery('dentist')
    await expect(sorted.embedQuery('dentist', AbortSignal.abort())).rejects.toMatchObject({ code: 'aborted' })
  })
})
