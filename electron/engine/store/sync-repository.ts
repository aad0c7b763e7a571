import type BetterSqlite3 from 'better-sqlite3'
import type { ErrorData } from '../../../shared/errors'
import type { ManifestEntry } from '../../../shared/sync-protocol'
import type { MetaDatabase } from './open-meta-database'
import type { StateRepository } from './state-repository'

/** What one outbox batch carries, kept beside its body for status and reports. */
export interface BatchSummary {
  upserts: Array<{ path: string; sha256: string; chunks: number; bytes: number; chunksSha256: string }>
  deletes: string[]
  renames: Array<{ from: string; to: string }>
  /** The batch's embedding.key (null: text only), what the manifest will echo for its upserts. */
  embeddingKey: string | null
}

/** A batch written before sending; its exact body is resent on retry so the server can replay it. */
export interface OutboxBatch {
  batchId: string
  baseUrl: string
  body: string
  summary: BatchSummary
  attempts: number
}

/** Which server the cached manifest describes, and at what revision (null = must be fetched in full). */
export interface RemoteCacheInfo {
  baseUrl: string
  revision: string | null
  fetchedAt: string
  /** The server's advertised request-body limit. */
  maxBatchBytes: number | null
}

const REMOTE_INFO_KEY = 'sync.remote'
const LAST_SUCCESS_KEY = 'sync.lastSuccessAt'
const LAST_ERROR_KEY = 'sync.lastError'

/**
 * What sync keeps in the index database: the outbox and the last known server manifest (migration 2), its status
 * in `state`, and the chunk hashes it plans with. All in the same SQLite file as the index, so an acknowledged batch
 * and the cache update commit together.
 */
export class SyncRepository {
  constructor(
    private readonly db: MetaDatabase,
    private readonly state: StateRepository,
  ) {}

  // ------------------------------------------------------------------ outbox

  outbox(baseUrl: string): OutboxBatch[] {
    const rows = this.db.statement('SELECT batch_id, base_url, body, summary, attempts FROM sync_outbox WHERE base_url = ? ORDER BY seq').all(baseUrl) as Array<{
      batch_id: string
      base_url: string
      body: string
      summary: string
      attempts: number
    }>
    return rows.map((row) => ({ batchId: row.batch_id, baseUrl: row.base_url, body: row.body, summary: JSON.parse(row.summary) as BatchSummary, attempts: row.attempts }))
  }

  /** Batches planned for another server are meaningless once the URL changed. */
  dropOutboxExcept(baseUrl: string): number {
    return this.db.statement('DELETE FROM sync_outbox WHERE base_url <> ?').run(baseUrl).changes
  }

  addToOutbox(batch: Omit<OutboxBatch, 'attempts'>): void {
    this.db.statement('INSERT INTO sync_outbox (batch_id, base_url, body, summary, created_at) VALUES (?, ?, ?, ?, ?)').run(
      batch.batchId, batch.baseUrl, batch.body, JSON.stringify(batch.summary), new Date().toISOString())
  }

  countAttempt(batchId: string): void {
    this.db.statement('UPDATE sync_outbox SET attempts = attempts + 1 WHERE batch_id = ?').run(batchId)
  }

  removeFromOutbox(batchId: string): void {
    this.db.statement('DELETE FROM sync_outbox WHERE batch_id = ?').run(batchId)
  }

  // ------------------------------------------------------- remote manifest

  remoteInfo(): RemoteCacheInfo | null {
    return this.state.get<RemoteCacheInfo>(REMOTE_INFO_KEY)
  }

  setRemoteInfo(info: RemoteCacheInfo | null): void {
    if (info === null) this.state.delete(REMOTE_INFO_KEY)
    else this.state.set(REMOTE_INFO_KEY, info)
  }

  remoteFiles(): Map<string, ManifestEntry> {
    const rows = this.db.statement('SELECT path, sha256, chunk_count, chunks_sha256, embedding_key FROM sync_remote_files').raw().all() as Array<
      [string, string, number, string, string | null]
    >
    const files = new Map<string, ManifestEntry>()
    for (const [path, sha256, chunkCount, chunksSha256, embeddingKey] of rows) files.set(path, { path, sha256, chunkCount, chunksSha256, embeddingKey })
    return files
  }

  /** Replaces the whole cached manifest (after a full listing). */
  replaceRemoteFiles(entries: Iterable<ManifestEntry>): void {
    this.db.transaction(() => {
      this.db.statement('DELETE FROM sync_remote_files').run()
      const insert = this.insertRemote()
      for (const entry of entries) insert.run(entry.path, entry.sha256, entry.chunkCount, entry.chunksSha256, entry.embeddingKey)
    })
  }

  putRemoteFile(entry: ManifestEntry): void {
    this.insertRemote().run(entry.path, entry.sha256, entry.chunkCount, entry.chunksSha256, entry.embeddingKey)
  }

  deleteRemoteFile(path: string): void {
    this.db.statement('DELETE FROM sync_remote_files WHERE path = ?').run(path)
  }

  // ------------------------------------------------------------------ status

  lastSuccessAt(): string | null {
    return this.state.get<string>(LAST_SUCCESS_KEY)
  }

  setLastSuccessAt(at: string): void {
    this.state.set(LAST_SUCCESS_KEY, at)
  }

  lastError(): ErrorData | null {
    return this.state.get<ErrorData>(LAST_ERROR_KEY)
  }

  setLastError(error: ErrorData | null): void {
    if (error === null) this.state.delete(LAST_ERROR_KEY)
    else this.state.set(LAST_ERROR_KEY, error)
  }

  // ------------------------------------------------------------- local index

  /**
   * chunksSha256 of every indexed file in one pass: SHA-256 of its chunks' contentHashes in ordinal order joined by
   * "\n" (one query instead of one `chunksForFile` per file keeps a 10,000-file plan fast).
   */
  localChunkHashes(hash: (text: string) => string): Map<string, string> {
    const result = new Map<string, string>()
    let currentPath: string | null = null
    let hashes: string[] = []
    const rows = this.db.statement('SELECT path, content_hash FROM chunks ORDER BY path, ordinal').raw().iterate() as Iterable<[string, string]>
    for (const [path, contentHash] of rows) {
      if (path !== currentPath) {
        if (currentPath !== null) result.set(currentPath, hash(hashes.join('\n')))
        currentPath = path
        hashes = []
      }
      hashes.push(contentHash)
    }
    if (currentPath !== null) result.set(currentPath, hash(hashes.join('\n')))
    return result
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)
  }

  private insertRemote(): BetterSqlite3.Statement {
    return this.db.statement(
      `INSERT INTO sync_remote_files (path, sha256, chunk_count, chunks_sha256, embedding_key) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (path) DO UPDATE SET sha256 = excluded.sha256, chunk_count = excluded.chunk_count,
         chunks_sha256 = excluded.chunks_sha256, embedding_key = excluded.embedding_key`,
    )
  }
}
