import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { expect } from 'vitest'
import { defaultSettings, mergeSettings, type Settings, type SettingsPatch } from '../../../../shared/settings'
import type { SyncStatus } from '../../../../shared/sync'
import { approximateTokenCount } from '../../../../electron/engine/chunker/approximate-tokens'
import { parseNote } from '../../../../electron/engine/chunker/parse-note'
import { dataPaths } from '../../../../electron/engine/settings/data-dir'
import { MetaStore } from '../../../../electron/engine/store/meta-store'
import { VectorStore } from '../../../../electron/engine/store/vector-store'
import { SyncService, type SyncServiceDeps, type SyncVectors } from '../../../../electron/engine/sync/sync-service'
import { makeTempDir } from '../../../support/temp-dir'
import type { SyncContractServer } from '../../../support/sync-contract-server'

export const TEST_MODEL_ID = 'test/hash-embed'
export const TEST_DIMENSIONS = 16

/**
 * A real MetaStore and VectorStore in a temp data dir, filled the way the indexer fills them: the real chunker, then
 * replaceFile, vector rows for the added chunks, markEmbedded and completeFiles. Vectors come from a deterministic
 * hash "model" (what matters to sync is that they are real rows in LanceDB, not what they mean).
 */
export class IndexFixture {
  folder: string
  dataDir: string
  meta: MetaStore
  vectorStore!: VectorStore
  table: string
  modelId = TEST_MODEL_ID
  private readonly temp = makeTempDir('notes-rag-sync-')

  private constructor(readonly dimensions: number) {
    this.folder = path.join(this.temp.dir, 'notes')
    this.dataDir = path.join(this.temp.dir, 'data')
    fs.mkdirSync(this.folder, { recursive: true })
    this.meta = MetaStore.open(dataPaths(this.dataDir).database)
    this.table = VectorStore.tableName(this.modelId, dimensions)
  }

  static async open(options: { dimensions?: number } = {}): Promise<IndexFixture> {
    const fixture = new IndexFixture(options.dimensions ?? TEST_DIMENSIONS)
    fixture.vectorStore = await VectorStore.open(dataPaths(fixture.dataDir).vectors)
    await fixture.vectorStore.ensureTable(fixture.table, fixture.dimensions)
    return fixture
  }

  /** What SyncService's `vectors` dependency returns. */
  vectors(): SyncVectors {
    return { store: this.vectorStore, table: this.table, modelId: this.modelId, dimensions: this.dimensions, fingerprint: hashVector(`fingerprint:${this.modelId}`, this.dimensions) }
  }

  /** Writes the file and indexes it. */
  async write(relativePath: string, text: string): Promise<void> {
    const target = path.join(this.folder, relativePath)
    fs.mkdirSync(path.dirname(target), { recursive: true })
    fs.writeFileSync(target, text)
    await this.index(relativePath)
  }

  /** Writes many files, indexing them with one vector write (fast enough for thousands). */
  async writeMany(files: Record<string, string>): Promise<void> {
    const rows = []
    const paths = Object.keys(files)
    for (const relativePath of paths) {
      const target = path.join(this.folder, relativePath)
      fs.mkdirSync(path.dirname(target), { recursive: true })
      fs.writeFileSync(target, files[relativePath])
      rows.push(...this.indexText(relativePath, Buffer.from(files[relativePath])))
    }
    await this.vectorStore.upsert(this.table, rows)
    this.meta.chunks.markEmbedded(rows.map((row) => row.id))
    this.meta.completeFiles(paths)
  }

  /** Indexes files already in the folder, in groups (the 10,000-file benchmark). */
  async indexExisting(paths: string[], group = 500): Promise<void> {
    for (let start = 0; start < paths.length; start += group) {
      const slice = paths.slice(start, start + group)
      const rows = slice.flatMap((relativePath) => this.indexText(relativePath, fs.readFileSync(path.join(this.folder, relativePath))))
      await this.vectorStore.upsert(this.table, rows)
      this.meta.chunks.markEmbedded(rows.map((row) => row.id))
      this.meta.completeFiles(slice)
    }
  }

  async index(relativePath: string): Promise<void> {
    const bytes = fs.readFileSync(path.join(this.folder, relativePath))
    const rows = this.indexText(relativePath, bytes)
    await this.vectorStore.upsert(this.table, rows)
    this.meta.chunks.markEmbedded(rows.map((row) => row.id))
    this.meta.completeFiles([relativePath])
  }

  async remove(relativePath: string): Promise<void> {
    fs.rmSync(path.join(this.folder, relativePath))
    const { removedIds } = this.meta.deleteFile(relativePath)
    await this.vectorStore.deleteIds(this.table, removedIds)
  }

  async rename(from: string, to: string): Promise<void> {
    const text = fs.readFileSync(path.join(this.folder, from), 'utf8')
    await this.remove(from)
    await this.write(to, text)
  }

  /** The local index as the server should hold it: path -> sha256, chunk count, vectors by ordinal. */
  async expected(paths?: string[]): Promise<Map<string, { sha256: string; chunkCount: number; vectors: number[][] }>> {
    const result = new Map<string, { sha256: string; chunkCount: number; vectors: number[][] }>()
    for (const file of this.meta.files.list()) {
      if (paths && !paths.includes(file.path)) continue
      const chunks = this.meta.chunks.forFile(file.path)
      const found = await this.vectorStore.vectorsByIds(this.table, chunks.map((chunk) => chunk.id))
      result.set(file.path, { sha256: file.sha256, chunkCount: chunks.length, vectors: chunks.map((chunk) => Array.from(found.get(chunk.id) ?? [])) })
    }
    return result
  }

  /** Closes and reopens the SQLite index, as after an app restart. */
  reopenMeta(): void {
    this.meta.dispose()
    this.meta = MetaStore.open(dataPaths(this.dataDir).database)
  }

  async close(): Promise<void> {
    this.meta.dispose()
    await this.vectorStore.dispose()
  }

  async cleanup(): Promise<void> {
    await this.close().catch(() => undefined)
    this.temp.cleanup()
  }

  private indexText(relativePath: string, bytes: Buffer) {
    const parsed = parseNote(
      { relativePath, text: bytes.toString('utf8'), mtimeMs: Date.parse('2024-01-01T00:00:00Z') },
      { countTokens: approximateTokenCount, maxTokens: 120, overlapTokens: 10 },
    )
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    const result = this.meta.replaceFile(
      { path: relativePath, size: bytes.length, mtimeMs: Date.parse('2024-01-01T00:00:00Z'), sha256, period: parsed.period, label: parsed.label },
      parsed.chunks,
    )
    return result.added.map((chunk) => ({
      id: chunk.id,
      contentHash: chunk.contentHash,
      path: relativePath,
      periodStart: chunk.periodStart,
      periodEnd: chunk.periodEnd,
      vector: hashVector(chunk.embedText, this.dimensions),
    }))
  }
}

/** A deterministic unit vector from text. */
export function hashVector(text: string, dimensions = TEST_DIMENSIONS): number[] {
  const digest = createHash('sha512').update(text).digest()
  const vector = Array.from({ length: dimensions }, (_, index) => digest[index % digest.length] / 255 - 0.5)
  const norm = Math.hypot(...vector) || 1
  return vector.map((value) => Math.fround(value / norm))
}

/** Settings pointing sync at the contract server. */
export function syncSettings(fixture: IndexFixture, server: SyncContractServer | { baseUrl: string }, patch: SettingsPatch = {}): Settings {
  return mergeSettings(defaultSettings(), {
    ...patch,
    folder: fixture.folder,
    routing: { policy: 'auto', ...patch.routing },
    gateway: { baseUrl: server.baseUrl, requestTimeoutMs: 2_000, ...patch.gateway },
    sync: { enabled: true, ...patch.sync },
  })
}

/** A SyncService over the fixture with fast retries; `statuses` collects every pushed status. */
export function createService(
  fixture: IndexFixture,
  settings: () => Settings,
  more: Partial<SyncServiceDeps> & { token?: string | null } = {},
): { service: SyncService; statuses: SyncStatus[] } {
  const statuses: SyncStatus[] = []
  const service = new SyncService({
    meta: fixture.meta,
    vectors: () => fixture.vectors(),
    settings,
    onStatus: (status) => statuses.push(status),
    retry: { initialMs: 20, maxMs: 100, maxAttempts: 6 },
    random: () => 0.5,
    debounceMs: 20,
    ...more,
    token: () => (more.token === undefined ? 'test-token' : more.token),
  })
  return { service, statuses }
}

/** Asserts the server holds exactly the local index: same paths, sha256s, chunk counts and vectors. */
export async function expectServerEqualsIndex(server: SyncContractServer, fixture: IndexFixture, exclude: (path: string) => boolean = () => false): Promise<void> {
  const expected = await fixture.expected()
  for (const key of [...expected.keys()]) if (exclude(key)) expected.delete(key)
  expect([...server.notes.keys()].sort()).toEqual([...expected.keys()].sort())
  for (const [notePath, want] of expected) {
    const note = server.notes.get(notePath)!
    expect(note.sha256, notePath).toBe(want.sha256)
    expect(note.chunks.length, notePath).toBe(want.chunkCount)
    expect(note.chunks.map((chunk) => Array.from(chunk.vector ?? [])), notePath).toEqual(want.vectors)
    expect(note.content, notePath).toBe(fs.readFileSync(path.join(fixture.folder, notePath), 'utf8'))
  }
  expect(server.invalidRequests).toEqual([])
}

/** A weekly log with front-matter dates, so renaming it keeps its period and chunks. */
export function weeklyLog(week: string, topics: string[], extra = ''): string {
  const lines = ['---', `week: ${week}`, '---', `# ${week}`, '']
  for (const topic of topics) {
    lines.push(`## ${topic}`, '', `- Worked on ${topic} with the team; notes about ${topic} and its follow-ups.`, `- Decided next steps for ${topic}.`, '')
  }
  if (extra) lines.push(extra, '')
  return lines.join('\n')
}
