import fs from 'node:fs'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { AnswerDelta } from '../../../shared/answer'
import { EmbeddingManager } from '../../../electron/engine/indexer/embedding-manager'
import { MetaStore } from '../../../electron/engine/store/meta-store'
import { VectorStore } from '../../../electron/engine/store/vector-store'
import { dataPaths } from '../../../electron/engine/settings/data-dir'
import { openTestEngine, type EngineFixture } from '../../support/engine-fixture'
import { makeTempDir, waitFor, writeFiles } from '../../support/temp-dir'
import { buildTinyEmbeddingTable, buildTinyOnnxModel, buildTinyVocabulary, ensureTinyEmbeddingModel, TINY_EMBEDDING_DIMENSIONS } from '../../support/tiny-embedding-model'
import { ensureTinyChatModel } from '../../support/tiny-chat-model'
import { createEmbedder } from '../../../electron/engine/embedder/create-embedder'
import type { Embedder } from '../../../electron/engine/embedder/types'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const notes = {
  '2024/2024-W10.md': '# 2024-W10\n\n## Done\n\n- Finished the Postgres migration with Priya\n\n## Learned\n\nVacuum settings matter.\n',
  '2024/2024-W11.md': '# 2024-W11\n\n## Done\n\n- First try of Kubernetes on the staging cluster\n',
  '2024/2024-W12.md': '# 2024-W12\n\n## Done\n\n- Shipped the search feature\n',
}

function makeFolder(): { folder: string; parent: string } {
  const temp = makeTempDir('notes-rag-life-')
  cleanups.push(temp.cleanup)
  const folder = path.join(temp.dir, 'weekly')
  fs.mkdirSync(folder)
  writeFiles(folder, notes)
  return { folder, parent: temp.dir }
}

async function open(folder: string, options: Parameters<typeof openTestEngine>[1] = {}): Promise<EngineFixture> {
  const fixture = await openTestEngine(folder, options)
  cleanups.push(fixture.cleanup)
  return fixture
}

describe('Engine lifecycle', () => {
  it('a vanished folder pauses indexing and keeps the index; when it returns the changes are reconciled', async () => {
    const { folder } = makeFolder()
    const fixture = await open(folder, { watch: true, extra: {} })
    const { engine } = fixture
    await waitFor(async () => (await engine.call('getStatus', [])).phase.type === 'ready' && (await engine.call('getStatus', [])).files === 3, { what: 'indexed' })

    const aside = `${folder}-unmounted`
    fs.renameSync(folder, aside)
    const paused = await waitFor(async () => {
      const status = await engine.call('getStatus', [])
      return status.folderState === 'unavailable' ? status : null
    }, { what: 'folder unavailable', timeoutMs: 15_000 })
    expect(paused.phase).toEqual({ type: 'paused', reason: 'folder-unavailable' })
    expect(paused.files).toBe(3)
    expect(paused.chunks).toBeGreaterThan(0)
    expect((await engine.call('search', ['Postgres migration', {}])).hits[0].path).toBe('2024/2024-W10.md')

    // Edited while away, then mounted again.
    fs.writeFileSync(path.join(aside, '2024/2024-W12.md'), '# 2024-W12\n\n## Done\n\n- Shipped the quick-search tray window\n')
    fs.renameSync(aside, folder)
    await waitFor(async () => (await engine.call('search', ['tray window', {}])).hits.some((hit) => hit.text.includes('tray window')), { what: 'reconciled after return', timeoutMs: 20_000 })
    const status = await engine.call('getStatus', [])
    expect(status.folderState).toBe('ok')
    expect(status.files).toBe(3)
  })

  it('while watching, a renamed or moved note re-embeds nothing and keeps its vectors', async () => {
    const { folder } = makeFolder()
    const tiny = await ensureTinyEmbeddingModel()
    const inner = await createEmbedder({ model: tiny.modelDir, modelsDir: tiny.modelsDir, allowDownload: false, remoteHost: 'http://127.0.0.1:9/' })
    const embedded: string[] = []
    const counting: Embedder = {
      get info() {
        return inner.info
      },
      prepareTokenizer: () => inner.prepareTokenizer(),
      countTokens: (text) => inner.countTokens(text),
      embedQuery: (text, signal) => inner.embedQuery(text, signal),
      fingerprint: (signal) => inner.fingerprint(signal),
      dispose: () => inner.dispose(),
      embedPassages: (texts, signal) => {
        embedded.push(...texts)
        return inner.embedPassages(texts, signal)
      },
    }
    const fixture = await open(folder, { watch: true, embedder: counting })
    const { engine } = fixture
    await waitFor(async () => {
      const status = await engine.call('getStatus', [])
      return status.phase.type === 'ready' && status.files === 3 && status.vectors === status.chunks
    }, { what: 'indexed' })
    const before = await engine.call('getStatus', [])
    expect(embedded.length).toBe(before.chunks)
    embedded.length = 0
    fs.mkdirSync(path.join(folder, 'archive'))
    fs.renameSync(path.join(folder, '2024/2024-W11.md'), path.join(folder, 'archive/2024-W11.md'))
    await waitFor(async () => (await engine.call('search', ['Kubernetes staging', {}])).hits[0]?.path === 'archive/2024-W11.md', { what: 'moved note found at its new path' })
    await fixture.engine.whenIdle()
    const after = await engine.call('getStatus', [])
    expect(after.files).toBe(3)
    expect(after.chunks).toBe(before.chunks)
    expect(after.vectors).toBe(after.chunks)
    // Vectors were copied by content hash, not computed.
    expect(embedded).toEqual([])
  })

  it('a one-shot reader (a CLI search) opens before its model has loaded; its calls wait for the model and the store check', async () => {
    const { folder } = makeFolder()
    const fixture = await open(folder)
    await fixture.engine.call('reindex', [])
    await fixture.close()

    // The model's load is held until the reader has opened: `open` must not wait for it.
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    const realLoad = EmbeddingManager.prototype.load
    const load = vi.spyOn(EmbeddingManager.prototype, 'load').mockImplementation(function (this: EmbeddingManager, ...args) {
      return held.then(() => realLoad.apply(this, args))
    })
    cleanups.push(() => load.mockRestore())
    const reader = await fixture.reopen({ access: 'read' })
    expect(load).toHaveBeenCalledTimes(1)
    const searching = reader.call('search', ['Kubernetes staging', {}])
    release()
    const searched = await searching
    expect(searched.mode).toBe('hybrid')
    expect(searched.hits[0]?.path).toBe('2024/2024-W11.md')
    const status = await reader.call('getStatus', [])
    expect(status.embedding).toMatchObject({ type: 'ready' })
    expect(status.vectors).toBe(status.chunks)
    await reader.dispose()
    load.mockRestore()

    // Every call waits, not only the search; and disposing while the model still loads ends cleanly.
    const early = await fixture.reopen({ access: 'read' })
    expect((await early.call('getStatus', [])).embedding).toMatchObject({ type: 'ready' })
    await early.dispose()
    const disposedAtOnce = await fixture.reopen({ access: 'read' })
    await disposedAtOnce.dispose()
    await expect(disposedAtOnce.call('getStatus', [])).rejects.toBeDefined()
  })

  it('with no embedding model, the keyword index still fills and the status says why vectors are missing', async () => {
    const { folder, parent } = makeFolder()
    const { engine } = await open(folder, { extra: { embedding: { model: path.join(parent, 'no-such-model'), allowDownload: false } } })
    const summary = await engine.call('reindex', [])
    expect(summary.added).toBe(3)
    const status = await engine.call('getStatus', [])
    expect(status.embedding.type).toBe('unavailable')
    if (status.embedding.type === 'unavailable') expect(status.embedding.reason).toMatch(/Keyword search still works/)
    expect(status.chunks).toBeGreaterThan(0)
    expect(status.vectors).toBe(0)
    const result = await engine.call('search', ['Kubernetes staging', {}])
    expect(result.mode).toBe('keyword')
    expect(result.modeReason).toBeTruthy()
    expect(result.hits[0].path).toBe('2024/2024-W11.md')
  })

  it('uses the embedding model bundled with the app when the models folder does not have it', async () => {
    const { folder, parent } = makeFolder()
    const tiny = await ensureTinyEmbeddingModel()
    const { engine } = await open(folder, {
      bundledModelsDir: tiny.modelsDir,
      extra: { embedding: { model: tiny.modelId, modelsDir: path.join(parent, 'empty-models'), allowDownload: false } },
    })
    expect((await engine.call('getStatus', [])).embedding).toMatchObject({ type: 'ready' })
    await engine.call('reindex', [])
    expect((await engine.call('search', ['Kubernetes staging', {}])).mode).toBe('hybrid')
  })

  it('a changed embedding model builds a new vector table beside the old one and switches when it is complete', async () => {
    const { folder, parent } = makeFolder()
    const fixture = await open(folder)
    await fixture.engine.call('reindex', [])
    const paths = dataPaths(fixture.dataDir)
    const before = await tables(paths)
    expect(before.tables).toHaveLength(1)
    await fixture.close()

    // The same model id (folder name) with different weights: the fingerprint no longer matches.
    const original = (await ensureTinyEmbeddingModel()).modelDir
    const changed = path.join(parent, 'models', path.basename(original))
    fs.cpSync(original, changed, { recursive: true })
    const vocabulary = buildTinyVocabulary()
    fs.writeFileSync(path.join(changed, 'onnx/model.onnx'), buildTinyOnnxModel(buildTinyEmbeddingTable(vocabulary, TINY_EMBEDDING_DIMENSIONS, 99), vocabulary.length, TINY_EMBEDDING_DIMENSIONS))

    const engine = await fixture.reopen({ overrides: { ...(fixture.engine.currentSettings as object), folder, embedding: { model: changed, modelsDir: path.dirname(changed), allowDownload: false }, routing: { policy: 'local-only' } } })
    const status = await engine.call('getStatus', [])
    expect(status.embedding).toMatchObject({ type: 'ready', notice: expect.stringMatching(/no longer matches/) })
    const summary = await engine.call('reindex', [])
    expect(summary.chunksEmbedded).toBeGreaterThan(0)
    await fixture.close()
    const after = await tables(paths)
    expect(after.tables).toHaveLength(1)
    expect(after.tables[0]).not.toBe(before.tables[0])
    expect(after.active).toBe(after.tables[0])
    expect(after.vectorCount).toBe(after.chunkCount)
  })

  it('asks the tiny local model through the real node-llama-cpp session and saves the conversation', async () => {
    const { folder } = makeFolder()
    const modelPath = await ensureTinyChatModel()
    const { engine } = await open(folder, { extra: { llm: { model: modelPath, threads: 1, contextSize: 512, maxAnswerTokens: 24, temperature: 0 } } })
    await engine.call('reindex', [])
    const conversation = await engine.call('createConversation', [])
    const answerId = randomUUID()
    // The deltas stream to this call's listener (the caller's port in the app), never as a broadcast.
    const deltas: AnswerDelta[] = []
    const answer = await engine.call('ask', [{ answerId, question: 'Who helped with the Postgres migration?', conversationId: conversation.id }], undefined, (event, delta) => {
      if (event === 'answer-delta') deltas.push(delta)
    })
    expect(answer.meta.backend).toBe('local')
    expect(answer.meta.model).toMatch(/\.gguf$/)
    expect(answer.sources.length).toBeGreaterThan(0)
    expect(answer.sources[0].path).toBe('2024/2024-W10.md')
    expect(answer.meta.tokensOut).toBeGreaterThan(0)
    expect(deltas.filter((d) => d.answerId === answerId).map((d) => d.text).join('')).toBe(answer.text)
    // The final answer is the call's result (no `answer-end` event: nothing listened to it).
    expect(answer.answerId).toBe(answerId)
    const saved = await engine.call('getConversation', [conversation.id])
    expect(saved.messages.map((m) => m.role)).toEqual(['user', 'assistant'])
    expect(saved.messages[1].answer?.meta.backend).toBe('local')
    expect(saved.title).toMatch(/Postgres migration/)
  })
})

async function tables(paths: ReturnType<typeof dataPaths>) {
  const meta = MetaStore.open(paths.database)
  const vectors = await VectorStore.open(paths.vectors)
  try {
    const list = await vectors.listTables()
    const active = meta.models.getActive()?.table ?? null
    return { tables: list, active, vectorCount: active ? await vectors.count(active) : 0, chunkCount: meta.chunks.count() }
  } finally {
    meta.dispose()
    await vectors.dispose()
  }
}
