import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BrainError } from '../../../../shared/errors'
import { createEmbedder, WorkerEmbedder } from '../../../../electron/engine/embedder/create-embedder'
import type { Embedder } from '../../../../electron/engine/embedder/types'
import { ensureTinyEmbeddingModel, TINY_EMBEDDING_DIMENSIONS, TINY_EMBEDDING_MAX_TOKENS, type TinyEmbeddingModel } from '../../../support/tiny-embedding-model'

// Nothing listens here: any attempt to download would fail loudly instead of silently succeeding.
const NO_HUB = 'http://127.0.0.1:9/'

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0
  for (let index = 0; index < a.length; index++) sum += a[index] * b[index]
  return sum
}

function expectSameVector(actual: Float32Array, expected: Float32Array): void {
  expect(actual).toHaveLength(expected.length)
  for (let index = 0; index < expected.length; index++) expect(actual[index]).toBeCloseTo(expected[index], 5)
}

function notes(count: number): string[] {
  const topics = ['database migration', 'team meeting', 'dentist appointment', 'release planning', 'garden work', 'budget review']
  return Array.from({ length: count }, (_, index) => `Note ${index}: ${topics[index % topics.length]} with item ${index * 7} and follow up`)
}

describe('createEmbedder on the tiny model', () => {
  let model: TinyEmbeddingModel
  let embedder: Embedder
  /** The same model loaded by its absolute folder, one text per batch, on one ONNX Runtime thread. */
  let single: Embedder

  beforeAll(async () => {
    model = await ensureTinyEmbeddingModel()
    ;[embedder, single] = await Promise.all([
      createEmbedder({ model: model.modelId, modelsDir: model.modelsDir, allowDownload: false, remoteHost: NO_HUB, batchSize: 4 }),
      createEmbedder({ model: model.modelDir, modelsDir: model.modelsDir, allowDownload: false, remoteHost: NO_HUB, batchSize: 1, threads: 1 }),
    ])
  })
  afterAll(async () => {
    await embedder?.dispose()
    await single?.dispose()
  })

  it('describes the model from its config and tokenizer', () => {
    expect(embedder.info).toEqual({
      modelId: model.modelId,
      dimensions: TINY_EMBEDDING_DIMENSIONS,
      maxTokens: TINY_EMBEDDING_MAX_TOKENS,
      queryPrefix: '',
      passagePrefix: '',
    })
  })

  it('loads its tokenizer on this thread only when asked to, then counts with it, without special tokens', async () => {
    // A search never counts tokens: until chunking asks, the tokenizer is not loaded here (the worker has its own).
    expect(() => embedder.countTokens('meeting')).toThrow(/prepareTokenizer/)
    const preparing = embedder.prepareTokenizer()
    expect(embedder.prepareTokenizer()).toBe(preparing)
    await preparing
    expect(embedder.countTokens('')).toBe(0)
    expect(embedder.countTokens('meeting')).toBe(1)
    expect(embedder.countTokens('Meetings about Kubernetes, 2024-03-11.')).toBe(['meeting', '##s', 'about', 'kubernetes', ',', '20', '##24', '-', '03', '-', '11', '.'].length)
  })

  it('returns one unit vector per passage, in input order', async () => {
    const texts = notes(10)
    const vectors = await embedder.embedPassages(texts)
    expect(vectors).toHaveLength(texts.length)
    for (const vector of vectors) {
      expect(vector).toBeInstanceOf(Float32Array)
      expect(vector).toHaveLength(TINY_EMBEDDING_DIMENSIONS)
      expect(Math.sqrt(dot(vector, vector))).toBeCloseTo(1, 5)
    }
    // Order is kept: each vector is closest to its own text embedded alone.
    const [alone] = await embedder.embedPassages([texts[7]])
    const scores = vectors.map((vector) => dot(vector, alone))
    expect(scores.indexOf(Math.max(...scores))).toBe(7)
    expect(await embedder.embedPassages([])).toEqual([])
  })

  it('gives the same vectors whatever the batch size (padding does not leak into the mean)', async () => {
    const texts = ['short', 'a much longer passage about the quarterly budget review meeting with the sales team', 'mid length note on hiking']
    const one = await single.embedPassages(texts)
    const batched = await embedder.embedPassages(texts)
    for (let index = 0; index < texts.length; index++) expectSameVector(batched[index], one[index])
  })

  it('runs passages in batches of batchSize', async () => {
    const worker = embedder as WorkerEmbedder
    const before = worker.batchesCompleted
    await embedder.embedPassages(notes(10))
    expect(worker.batchesCompleted - before).toBe(3)
  })

  it('ranks a related passage above unrelated ones for a query', async () => {
    const passages = ['Migrated the billing database to the new schema', 'Dentist appointment moved to Friday', 'Planted tomatoes in the garden']
    const vectors = await embedder.embedPassages(passages)
    const query = await embedder.embedQuery('when did we migrate the database schema?')
    const scores = vectors.map((vector) => dot(vector, query))
    expect(scores.indexOf(Math.max(...scores))).toBe(0)
  })

  it('has a stable fingerprint, equal across instances and different from other text', async () => {
    const first = await embedder.fingerprint()
    const again = await embedder.fingerprint()
    expectSameVector(again, first)
    expectSameVector(await single.fingerprint(), first)
    const query = await embedder.embedQuery('completely different words')
    expect(dot(query, first)).toBeLessThan(0.9)
  })

  it('stops a long passage job at a batch boundary when aborted', async () => {
    const worker = embedder as WorkerEmbedder
    const texts = notes(4000)
    const controller = new AbortController()
    const before = worker.batchesCompleted
    const job = embedder.embedPassages(texts, controller.signal)
    // Abort once the job is visibly under way, not before it started.
    while (worker.batchesCompleted - before < 3) await new Promise((resolve) => setTimeout(resolve, 1))
    controller.abort()
    const error = await job.catch((caught: unknown) => caught)
    expect(BrainError.is(error, 'aborted')).toBe(true)
    // The worker is free again and dropped the rest of the job: the next request is answered and few batches ran.
    const after = await embedder.embedQuery('still alive')
    expect(after).toHaveLength(TINY_EMBEDDING_DIMENSIONS)
    const settled = worker.batchesCompleted
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(worker.batchesCompleted).toBe(settled)
    expect(settled - before).toBeLessThan(texts.length / 4 / 2)
  })

  it('rejects at once when the signal has already fired', async () => {
    const controller = new AbortController()
    controller.abort()
    await expect(embedder.embedQuery('x', controller.signal)).rejects.toMatchObject({ code: 'aborted' })
    await expect(embedder.embedPassages(['x'], controller.signal)).rejects.toMatchObject({ code: 'aborted' })
  })

  it('answers a query while a large passage job is running', async () => {
    const worker = embedder as WorkerEmbedder
    const texts = notes(600)
    const before = worker.batchesCompleted
    const order: string[] = []
    const bulk = embedder.embedPassages(texts).then((vectors) => {
      order.push('passages')
      return vectors
    })
    while (worker.batchesCompleted === before) await new Promise((resolve) => setTimeout(resolve, 1))
    const query = await embedder.embedQuery('team meeting')
    order.push('query')
    const batchesWhenAnswered = worker.batchesCompleted - before
    const vectors = await bulk
    expect(order).toEqual(['query', 'passages'])
    expect(batchesWhenAnswered).toBeLessThan(texts.length / 4)
    expect(vectors).toHaveLength(texts.length)
    expect(query).toHaveLength(TINY_EMBEDDING_DIMENSIONS)
  })

  it('rejects calls after dispose', async () => {
    await single.dispose()
    await expect(single.embedQuery('x')).rejects.toMatchObject({ code: 'embedding-unavailable' })
    await expect(single.embedPassages(['x'])).rejects.toMatchObject({ code: 'embedding-unavailable' })
  })
})

describe('createEmbedder prefixes', () => {
  let plain: Embedder
  let e5: Embedder
  let folder: string

  beforeAll(async () => {
    const model = await ensureTinyEmbeddingModel()
    // The same weights under an e5 folder name: the only difference is the prefixes the embedder applies.
    folder = await mkdtemp(join(tmpdir(), 'embedder-prefix-'))
    const e5Folder = join(folder, 'e5-tiny-test')
    await cp(model.modelDir, e5Folder, { recursive: true })
    plain = await createEmbedder({ model: model.modelId, modelsDir: model.modelsDir, allowDownload: false, remoteHost: NO_HUB })
    e5 = await createEmbedder({ model: e5Folder, modelsDir: folder, allowDownload: false, remoteHost: NO_HUB })
  })
  afterAll(async () => {
    await plain?.dispose()
    await e5?.dispose()
    await rm(folder, { recursive: true, force: true })
  })

  it('applies "query: " and "passage: " for e5 models', async () => {
    expect(e5.info).toMatchObject({ modelId: 'e5-tiny-test', queryPrefix: 'query: ', passagePrefix: 'passage: ' })
    const text = 'garden plans for spring'
    const [asPassage] = await e5.embedPassages([text])
    const asQuery = await e5.embedQuery(text)
    const [expectedPassage, expectedQuery, bare] = await plain.embedPassages([`passage: ${text}`, `query: ${text}`, text])
    expectSameVector(asPassage, expectedPassage)
    expectSameVector(asQuery, expectedQuery)
    expect(dot(asQuery, bare)).toBeLessThan(0.999)
    // Prefixes are not counted as the text's tokens.
    await Promise.all([e5.prepareTokenizer(), plain.prepareTokenizer()])
    expect(e5.countTokens(text)).toBe(plain.countTokens(text))
  })
})

describe('createEmbedder failures', () => {
  it('refuses a missing model without downloading', async () => {
    const modelsDir = await mkdtemp(join(tmpdir(), 'embedder-empty-'))
    try {
      const error = await createEmbedder({ model: 'Xenova/bge-small-en-v1.5', modelsDir, allowDownload: false, remoteHost: NO_HUB }).catch((caught: unknown) => caught)
      expect(BrainError.is(error, 'model-missing')).toBe(true)
      expect((error as BrainError).message).toContain('Xenova/bge-small-en-v1.5')
      const local = await createEmbedder({ model: join(modelsDir, 'nowhere'), modelsDir, allowDownload: true, remoteHost: NO_HUB }).catch((caught: unknown) => caught)
      expect(BrainError.is(local, 'model-missing')).toBe(true)
    } finally {
      await rm(modelsDir, { recursive: true, force: true })
    }
  })

  it('rejects a model id that is neither a hub id nor an absolute path', async () => {
    await expect(createEmbedder({ model: '../escape/model', modelsDir: tmpdir(), allowDownload: true, remoteHost: NO_HUB })).rejects.toMatchObject({ code: 'invalid-input' })
  })

  it('stops loading when aborted', async () => {
    const model = await ensureTinyEmbeddingModel()
    const controller = new AbortController()
    const loading = createEmbedder({ model: model.modelId, modelsDir: model.modelsDir, allowDownload: false, remoteHost: NO_HUB, signal: controller.signal })
    setTimeout(() => controller.abort(), 5)
    await expect(loading).rejects.toMatchObject({ code: 'aborted' })
  })

  it('rejects pending and later calls with a clear error when the worker dies', async () => {
    const model = await ensureTinyEmbeddingModel()
    const embedder = await createEmbedder({
      model: model.modelId,
      modelsDir: model.modelsDir,
      allowDownload: false,
      remoteHost: NO_HUB,
      workerUrl: new URL('./crashing-embedding-worker.ts', import.meta.url),
    })
    try {
      const error = await embedder.embedPassages(['boom']).catch((caught: unknown) => caught)
      expect(BrainError.is(error, 'embedding-unavailable')).toBe(true)
      expect((error as BrainError).message).toMatch(/exit code 13/)
      await expect(embedder.embedQuery('after')).rejects.toMatchObject({ code: 'embedding-unavailable' })
    } finally {
      await embedder.dispose()
    }
  })
})
