import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChunkDraft } from '../../../../electron/engine/chunker/types'
import { createEmbedder } from '../../../../electron/engine/embedder/create-embedder'
import type { Embedder } from '../../../../electron/engine/embedder/types'
import { MetaStore } from '../../../../electron/engine/store/meta-store'
import { VectorStore } from '../../../../electron/engine/store/vector-store'
import { ensureTinyEmbeddingModel } from '../../../support/tiny-embedding-model'

/** A note as the tests write it: a period and its sections (one chunk each). */
export interface FixtureNote {
  path: string
  start: string
  end: string
  /**
   * One chunk each. `raw` text is the chunk as is (no heading line added), and `startLine` places it, so tests
   * can build the overlapping pieces a split section has.
   */
  sections: Array<{ heading: string; text: string; raw?: boolean; startLine?: number }>
}

export interface RetrievalFixture {
  folder: string
  meta: MetaStore
  vectors: VectorStore
  table: string
  embedder: Embedder
  dispose(): Promise<void>
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/** The tiny lexical embedding model through the real Transformers.js worker. */
export async function loadTinyEmbedder(): Promise<Embedder> {
  const model = await ensureTinyEmbeddingModel()
  return createEmbedder({ model: model.modelId, modelsDir: model.modelsDir, allowDownload: false, remoteHost: 'http://127.0.0.1:9/' })
}

export function chunksOf(note: FixtureNote): ChunkDraft[] {
  const label = note.path.replace(/^.*\//, '').replace(/\.md$/, '')
  let line = 1
  return note.sections.map((section, ordinal) => {
    const headingPath = [label, section.heading]
    const text = section.raw ? section.text : `## ${section.heading}\n${section.text}`
    if (section.startLine !== undefined) line = section.startLine
    const embedText = `${headingPath.join(' > ')}\n${section.text}`
    const lines = text.split('\n').length
    const chunk: ChunkDraft = {
      id: sha256(`${note.path}\u0000${ordinal}\u0000${text}`).slice(0, 24),
      ordinal,
      headingPath,
      startLine: line,
      endLine: line + lines - 1,
      text,
      embedText,
      contentHash: sha256(embedText),
    }
    line += lines + 1
    return chunk
  })
}

/** Real SQLite and LanceDB stores in a temp folder, filled with the notes' chunks and their tiny-model vectors. */
export async function createRetrievalFixture(notes: FixtureNote[], embedder?: Embedder): Promise<RetrievalFixture> {
  const folder = mkdtempSync(join(tmpdir(), 'notes-rag-retrieval-'))
  const meta = MetaStore.open(join(folder, 'meta.db'))
  const vectors = await VectorStore.open(join(folder, 'vectors'))
  const model = embedder ?? (await loadTinyEmbedder())
  const table = VectorStore.tableName(model.info.modelId, model.info.dimensions)
  await vectors.ensureTable(table, model.info.dimensions)
  for (const note of notes) {
    const chunks = chunksOf(note)
    const content = chunks.map((chunk) => chunk.text).join('\n\n')
    meta.replaceFile(
      {
        path: note.path,
        size: content.length,
        mtimeMs: 1_700_000_000_000,
        sha256: sha256(content),
        period: { start: note.start, end: note.end, source: 'file-name', inferred: false },
        label: note.path,
      },
      chunks,
    )
    const embedded = await model.embedPassages(chunks.map((chunk) => chunk.embedText))
    await vectors.upsert(
      table,
      chunks.map((chunk, index) => ({
        id: chunk.id,
        contentHash: chunk.contentHash,
        path: note.path,
        periodStart: note.start,
        periodEnd: note.end,
        vector: embedded[index],
      })),
    )
    meta.chunks.markEmbedded(chunks.map((chunk) => chunk.id))
    meta.files.markIndexed(note.path)
  }
  return {
    folder,
    meta,
    vectors,
    table,
    embedder: model,
    async dispose() {
      if (!embedder) await model.dispose()
      await vectors.dispose()
      meta.dispose()
      rmSync(folder, { recursive: true, force: true })
    },
  }
}
