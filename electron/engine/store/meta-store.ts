import { randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import type BetterSqlite3 from 'better-sqlite3'
import type { Conversation, ConversationMessage, ConversationSummary } from '../../../shared/conversation'
import { BrainError, type ErrorCode } from '../../../shared/errors'
import type { NotePeriod, PeriodSource } from '../../../shared/period'
import { SNIPPET_MARK_END, SNIPPET_MARK_START } from '../../../shared/search'
import type { ChunkDraft } from '../chunker/types'
import type { Disposable } from '../../../shared/lifecycle'
import { migrate } from './migrations'
import type {
  ChunkFilter,
  ChunkRecord,
  ChunkVectorState,
  EmbeddingModelRecord,
  FileInput,
  FileRecord,
  KeywordHit,
  MessageInput,
  ReplaceFileResult,
} from './types'

export type { ChunkVectorState, FileInput, MessageInput, ReplaceFileResult } from './types'

/** SQLite keeps `IN (...)` lists under its variable limit; 500 is well below it and still few round trips. */
const BATCH = 500
const SNIPPET_TOKENS = 24
/** Heading text is a stronger signal than body text; bm25 weights follow the FTS column order. */
const HEADING_WEIGHT = 2.0
const BODY_WEIGHT = 1.0
/** Front-matter title, description and tags: what the author said the note is about. */
const FIELDS_WEIGHT = 3.0

interface FileRow {
  path: string
  size: number
  mtime_ms: number
  sha256: string
  status: FileRecord['status']
  error_code: string | null
  error_message: string | null
  period_start: string | null
  period_end: string | null
  period_source: string | null
  period_inferred: number | null
  label: string | null
  chunk_count: number
  indexed_at: string | null
}

interface ChunkRow {
  id: string
  path: string
  ordinal: number
  heading_path: string
  start_line: number
  end_line: number
  text: string
  embed_text: string
  content_hash: string
  period_start: string
  period_end: string
  period_source: string
  period_inferred: number
  title: string | null
  fields: string
  embedded: number
}

interface ModelRow {
  table_name: string
  model_id: string
  dimensions: number
  fingerprint: string
  state: EmbeddingModelRecord['state']
  created_at: string
  active: number
}

interface ConversationRow {
  id: string
  title: string
  created_at: string
  updated_at: string
}

interface MessageRow {
  id: string
  role: 'user' | 'assistant'
  content: string
  answer: string | null
  created_at: string
}

const CHUNK_COLUMNS =
  'id, path, ordinal, heading_path, start_line, end_line, text, embed_text, content_hash, period_start, period_end, ' +
  'period_source, period_inferred, title, fields, embedded'

/** SQLite metadata: the manifest of indexed files, their chunks with an FTS5 keyword index, state and chats. */
export class MetaStore implements Disposable {
  private readonly db: BetterSqlite3.Database
  private readonly statements = new Map<string, BetterSqlite3.Statement>()
  private disposed = false
  private lastStamp = ''

  private constructor(db: BetterSqlite3.Database) {
    this.db = db
  }

  /** Opens (creating when needed) and migrates the database at `dbPath`. */
  static open(dbPath: string): MetaStore {
    const folder = dirname(dbPath)
    try {
      mkdirSync(folder, { recursive: true })
    } catch (error) {
      throw unwritable(dbPath, `Cannot create the data folder ${folder}`, error)
    }
    let db: BetterSqlite3.Database
    try {
      // Inside Electron (the app's utilityProcess) the driver must be the build for Electron's ABI, which is kept
      // apart from node_modules' Node build so `npm test` keeps working; main passes its path in the environment.
      const nativeBinding = process.env.NOTES_RAG_SQLITE_BINDING
      db = nativeBinding ? new Database(dbPath, { nativeBinding }) : new Database(dbPath)
    } catch (error) {
      throw unwritable(dbPath, `Cannot open the index database ${dbPath}`, error)
    }
    try {
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
      db.pragma('foreign_keys = ON')
      db.pragma('busy_timeout = 5000')
      // 16 MB of page cache (the default is 2 MB): FTS5 merges touch many pages while a folder is first indexed.
      db.pragma('cache_size = -16000')
      migrate(db)
    } catch (error) {
      db.close()
      if (BrainError.is(error)) throw error
      const code = (error as { code?: string }).code ?? ''
      if (/^SQLITE_(READONLY|CANTOPEN|IOERR|PERM|FULL)/.test(code)) {
        throw unwritable(dbPath, `Cannot write the index database ${dbPath}`, error)
      }
      if (/^SQLITE_(NOTADB|CORRUPT)/.test(code)) {
        throw new BrainError('internal', `The index database ${dbPath} is damaged; delete it to rebuild the index.`, {
          cause: error,
          details: { path: dbPath, reason: 'corrupt' },
        })
      }
      throw new BrainError('internal', `Cannot prepare the index database: ${messageOf(error)}`, { cause: error })
    }
    return new MetaStore(db)
  }

  // ---------------------------------------------------------------- manifest

  getFile(path: string): FileRecord | null {
    const row = this.statement('SELECT * FROM files WHERE path = ?').get(path) as FileRow | undefined
    return row ? toFileRecord(row) : null
  }

  listFiles(): FileRecord[] {
    return (this.statement('SELECT * FROM files ORDER BY path').all() as FileRow[]).map(toFileRecord)
  }

  countFiles(): number {
    return (this.statement('SELECT count(*) AS n FROM files').get() as { n: number }).n
  }

  findFilesByHash(sha256: string): FileRecord[] {
    return (this.statement('SELECT * FROM files WHERE sha256 = ? ORDER BY path').all(sha256) as FileRow[]).map(
      toFileRecord,
    )
  }

  listFailed(): FileRecord[] {
    return (this.statement("SELECT * FROM files WHERE status = 'failed' ORDER BY path").all() as FileRow[]).map(
      toFileRecord,
    )
  }

  /**
   * Records that `path` could not be indexed. Its chunks are removed (a file that now fails must not answer
   * questions with stale text); returns their ids so the caller can drop their vectors. `stat` is null when the
   * file could not even be stat'ed: the previous size and mtime are kept then.
   */
  markFailed(path: string, code: ErrorCode, message: string, stat: { size: number; mtimeMs: number } | null): string[] {
    return this.transaction(() => {
      const removed = this.deleteChunksOf(path)
      const previous = this.getFile(path)
      this.statement(
        `INSERT INTO files (path, size, mtime_ms, sha256, status, error_code, error_message, chunk_count, indexed_at)
         VALUES (@path, @size, @mtimeMs, '', 'failed', @code, @message, 0, NULL)
         ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, status = 'failed',
           error_code = excluded.error_code, error_message = excluded.error_message, chunk_count = 0,
           indexed_at = NULL`,
      ).run({
        path,
        size: stat?.size ?? previous?.size ?? 0,
        mtimeMs: stat?.mtimeMs ?? previous?.mtimeMs ?? 0,
        code,
        message,
      })
      return removed
    })
  }

  /** Forgets a file and its chunks; returns the removed chunk ids. */
  deleteFile(path: string): string[] {
    return this.transaction(() => {
      const removed = this.deleteChunksOf(path)
      this.statement('DELETE FROM files WHERE path = ?').run(path)
      return removed
    })
  }

  /**
   * Writes a file's new chunks in one transaction, diffing by chunk id: ids that disappeared are deleted, new ones
   * inserted with `embedded = 0`, the rest kept with their `embedded` flag. The manifest row becomes `indexed`
   * when every chunk already has a vector, `pending` otherwise.
   */
  replaceFile(file: FileInput, chunks: ChunkDraft[]): ReplaceFileResult {
    return this.transaction(() => {
      const existing = new Map<string, ChunkRow>()
      for (const row of this.statement(`SELECT ${CHUNK_COLUMNS} FROM chunks WHERE path = ?`).all(file.path) as ChunkRow[]) {
        existing.set(row.id, row)
      }
      // A chunk id could in theory be owned by another path (ids come from the chunker); the UNIQUE constraint
      // would then abort the whole file, so take it over explicitly instead.
      const removedElsewhere: string[] = []
      const newIds = new Set<string>()
      for (const chunk of chunks) {
        if (newIds.has(chunk.id)) {
          throw new BrainError('invalid-input', `Duplicate chunk id ${chunk.id} in ${file.path}.`)
        }
        newIds.add(chunk.id)
      }

      const stamp = this.stamp()
      this.upsertFileRow(file, 'pending', chunks.length, null)

      const removedIds: string[] = []
      for (const id of existing.keys()) {
        if (!newIds.has(id)) removedIds.push(id)
      }
      const deleteChunk = this.statement('DELETE FROM chunks WHERE id = ?')
      for (const id of removedIds) deleteChunk.run(id)

      const added: ChunkRecord[] = []
      const keptIds: string[] = []
      const insert = this.statement(
        `INSERT INTO chunks (id, path, ordinal, heading_path, start_line, end_line, text, embed_text, content_hash,
           period_start, period_end, period_source, period_inferred, title, fields, embedded)
         VALUES (@id, @path, @ordinal, @headingPath, @startLine, @endLine, @text, @embedText, @contentHash,
           @periodStart, @periodEnd, @periodSource, @periodInferred, @title, @fields, 0)`,
      )
      const restamp = this.statement(
        `UPDATE chunks SET ordinal = @ordinal, start_line = @startLine, end_line = @endLine,
           period_start = @periodStart, period_end = @periodEnd, period_source = @periodSource,
           period_inferred = @periodInferred, title = @title, fields = @fields, embedded = @embedded WHERE id = @id`,
      )
      const owner = this.statement('SELECT path FROM chunks WHERE id = ?')
      let allEmbedded = true
      for (const chunk of chunks) {
        // The chunker dates each section; a draft without its own period takes the file's.
        const record: ChunkRecord = {
          ...chunk,
          path: file.path,
          periodStart: chunk.periodStart ?? file.period.start,
          periodEnd: chunk.periodEnd ?? file.period.end,
          periodSource: chunk.periodSource ?? file.period.source,
          periodInferred: chunk.periodInferred ?? file.period.inferred,
          title: chunk.title ?? null,
          fields: chunk.fields ?? '',
          embedded: false,
        }
        const previous = existing.get(chunk.id)
        if (!previous) {
          const otherOwner = owner.get(chunk.id) as { path: string } | undefined
          if (otherOwner) {
            deleteChunk.run(chunk.id)
            removedElsewhere.push(chunk.id)
          }
          insert.run(chunkParams(record))
          added.push(record)
          allEmbedded = false
          continue
        }
        const periodChanged = previous.period_start !== record.periodStart || previous.period_end !== record.periodEnd
        const moved =
          previous.ordinal !== chunk.ordinal || previous.start_line !== chunk.startLine || previous.end_line !== chunk.endLine
        const described =
          previous.period_source !== record.periodSource ||
          previous.period_inferred !== (record.periodInferred ? 1 : 0) ||
          previous.title !== record.title ||
          previous.fields !== record.fields
        // The vector row carries the period for its prefilter, so a new period means the vector row must be rewritten.
        const embedded = previous.embedded === 1 && !periodChanged
        if (periodChanged || moved || described) {
          restamp.run({ ...chunkParams(record), embedded: embedded ? 1 : 0 })
        }
        if (periodChanged) {
          added.push(record)
        } else {
          keptIds.push(chunk.id)
        }
        if (!embedded) allEmbedded = false
      }
      if (allEmbedded) {
        this.statement("UPDATE files SET status = 'indexed', indexed_at = ? WHERE path = ?").run(stamp, file.path)
      }
      if (removedElsewhere.length > 0) this.refreshChunkCounts()
      return { added, removedIds: [...removedIds, ...removedElsewhere], keptIds }
    })
  }

  /** The file's chunks all have vectors (or no model is loaded): it is fully indexed. */
  markIndexed(path: string): void {
    this.statement(
      "UPDATE files SET status = 'indexed', indexed_at = ?, error_code = NULL, error_message = NULL WHERE path = ?",
    ).run(this.stamp(), path)
  }

  /** Marks as indexed those of `paths` that are pending with no chunk left waiting for a vector; returns them. */
  completeFiles(paths: string[]): string[] {
    return this.transaction(() => {
      const done: string[] = []
      const waiting = this.statement('SELECT 1 FROM chunks WHERE path = ? AND embedded = 0 LIMIT 1')
      const file = this.statement("SELECT status FROM files WHERE path = ? AND status = 'pending'")
      for (const path of paths) {
        if (file.get(path) && !waiting.get(path)) {
          this.markIndexed(path)
          done.push(path)
        }
      }
      return done
    })
  }

  // ------------------------------------------------------------------ chunks

  /** Chunks by id, in the order given; unknown ids are skipped. */
  getChunks(ids: string[]): ChunkRecord[] {
    const found = new Map<string, ChunkRecord>()
    for (const batch of batches(ids)) {
      const rows = this.statement(
        `SELECT ${CHUNK_COLUMNS} FROM chunks WHERE id IN (${placeholders(batch.length)})`,
      ).all(...batch) as ChunkRow[]
      for (const row of rows) found.set(row.id, toChunkRecord(row))
    }
    const result: ChunkRecord[] = []
    for (const id of ids) {
      const chunk = found.get(id)
      if (chunk) result.push(chunk)
    }
    return result
  }

  chunksForFile(path: string): ChunkRecord[] {
    return (
      this.statement(`SELECT ${CHUNK_COLUMNS} FROM chunks WHERE path = ? ORDER BY ordinal`).all(path) as ChunkRow[]
    ).map(toChunkRecord)
  }

  /** Chunks whose vector is not in the active table yet, oldest first. */
  chunksNeedingVectors(limit: number): ChunkRecord[] {
    return (
      this.statement(`SELECT ${CHUNK_COLUMNS} FROM chunks WHERE embedded = 0 ORDER BY seq LIMIT ?`).all(
        positiveLimit(limit),
      ) as ChunkRow[]
    ).map(toChunkRecord)
  }

  markEmbedded(ids: string[], embedded = true): void {
    if (ids.length === 0) return
    this.transaction(() => {
      for (const batch of batches(ids)) {
        this.statement(`UPDATE chunks SET embedded = ? WHERE id IN (${placeholders(batch.length)})`).run(
          embedded ? 1 : 0,
          ...batch,
        )
      }
    })
  }

  /** Every chunk needs a vector again (the embedding model changed); fully indexed files become pending. */
  resetEmbedded(): void {
    this.transaction(() => {
      this.statement('UPDATE chunks SET embedded = 0 WHERE embedded <> 0').run()
      this.statement("UPDATE files SET status = 'pending' WHERE status = 'indexed' AND chunk_count > 0").run()
    })
  }

  countChunks(): number {
    return (this.statement('SELECT count(*) AS n FROM chunks').get() as { n: number }).n
  }

  countEmbedded(): number {
    // All minus the unembedded, which the partial index counts without reading every chunk (the status bar asks often).
    return (
      this.statement('SELECT (SELECT count(*) FROM chunks) - (SELECT count(*) FROM chunks WHERE embedded = 0) AS n').get() as { n: number }
    ).n
  }

  /** For each content hash, one chunk id that has a vector with that text (for reusing vectors without a scan). */
  embeddedChunkByContentHash(hashes: string[]): Map<string, string> {
    const found = new Map<string, string>()
    const statement = this.statement('SELECT content_hash AS hash, id FROM chunks WHERE content_hash = ? AND embedded = 1 LIMIT 1')
    for (const hash of new Set(hashes)) {
      const row = statement.get(hash) as { hash: string; id: string } | undefined
      if (row) found.set(row.hash, row.id)
    }
    return found
  }

  allChunkIds(): string[] {
    return this.statement('SELECT id FROM chunks ORDER BY seq').pluck().all() as string[]
  }

  /** Paths with at least one chunk waiting for a vector. */
  filesWithPendingChunks(): string[] {
    return this.statement('SELECT DISTINCT path FROM chunks WHERE embedded = 0 ORDER BY path').pluck().all() as string[]
  }

  /** Every chunk's vector-relevant fields and `embedded` flag: what reconciliation compares the vector table with. */
  chunkVectorStates(): Map<string, ChunkVectorState> {
    const states = new Map<string, ChunkVectorState>()
    const rows = this.statement('SELECT id, path, content_hash, period_start, period_end, embedded FROM chunks')
      .raw()
      .iterate() as Iterable<[string, string, string, string, string, number]>
    for (const [id, path, contentHash, periodStart, periodEnd, embedded] of rows) {
      states.set(id, { path, contentHash, periodStart, periodEnd, embedded: embedded === 1 })
    }
    return states
  }

  /** Paths whose manifest status is `pending`. */
  pendingFiles(): string[] {
    return this.statement("SELECT path FROM files WHERE status = 'pending' ORDER BY path").pluck().all() as string[]
  }

  /**
   * Keyword search over chunks' embedded text and heading paths, best first (bm25). `ftsQuery` is an FTS5 MATCH
   * expression; a malformed one throws `invalid-input`.
   */
  keywordSearch(ftsQuery: string, filter: ChunkFilter, limit: number): KeywordHit[] {
    if (ftsQuery.trim() === '') return []
    const where = filterSql(filter, 'c.')
    const sql = `
      SELECT c.id AS chunkId,
             bm25(chunks_fts, ${HEADING_WEIGHT}, ${BODY_WEIGHT}, ${FIELDS_WEIGHT}) AS rank,
             snippet(chunks_fts, 1, @markStart, @markEnd, '…', ${SNIPPET_TOKENS}) AS snippet
      FROM chunks_fts JOIN chunks c ON c.seq = chunks_fts.rowid
      WHERE chunks_fts MATCH @query${where.sql}
      ORDER BY rank
      LIMIT @limit`
    try {
      return this.statement(sql).all({
        ...where.params,
        query: ftsQuery,
        markStart: SNIPPET_MARK_START,
        markEnd: SNIPPET_MARK_END,
        limit: positiveLimit(limit),
      }) as KeywordHit[]
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_ERROR') {
        throw new BrainError('invalid-input', `The keyword query could not be understood: ${messageOf(error)}`, {
          cause: error,
          details: { query: ftsQuery },
        })
      }
      throw error
    }
  }

  /** How many files and chunks got their period from each source ('file-name', 'front-matter:date', 'mtime', ...). */
  periodSourceCounts(): { files: Record<string, number>; chunks: Record<string, number> } {
    const count = (sql: string): Record<string, number> => {
      const counts: Record<string, number> = {}
      for (const row of this.statement(sql).all() as Array<{ source: string | null; n: number }>) {
        if (row.source !== null) counts[row.source] = row.n
      }
      return counts
    }
    return {
      files: count("SELECT period_source AS source, count(*) AS n FROM files WHERE status <> 'failed' GROUP BY period_source ORDER BY period_source"),
      chunks: count('SELECT period_source AS source, count(*) AS n FROM chunks GROUP BY period_source ORDER BY period_source'),
    }
  }

  /** Chunks in a period (and path prefix), by date, then path, then position: "what was I doing in March 2023". */
  chunksInPeriod(filter: ChunkFilter, limit: number): ChunkRecord[] {
    const where = filterSql(filter, '')
    const sql = `SELECT ${CHUNK_COLUMNS} FROM chunks WHERE 1 = 1${where.sql}
      ORDER BY period_start, path, ordinal LIMIT @limit`
    return (this.statement(sql).all({ ...where.params, limit: positiveLimit(limit) }) as ChunkRow[]).map(toChunkRecord)
  }

  /**
   * Checks that the keyword index matches the chunks table; throws `internal` (with `details.reason = 'fts'`)
   * when it does not. `rebuildKeywordIndex` repairs it.
   */
  checkKeywordIndex(): void {
    try {
      this.statement("INSERT INTO chunks_fts (chunks_fts, rank) VALUES ('integrity-check', 1)").run()
    } catch (error) {
      throw new BrainError('internal', `The keyword index is out of step with the chunks: ${messageOf(error)}`, {
        cause: error,
        details: { reason: 'fts' },
      })
    }
  }

  /** Rebuilds the keyword index from the chunks table. */
  rebuildKeywordIndex(): void {
    this.statement("INSERT INTO chunks_fts (chunks_fts) VALUES ('rebuild')").run()
  }

  // ------------------------------------------------------------------- state

  getState<T>(key: string): T | null {
    const value = this.statement('SELECT value FROM state WHERE key = ?').pluck().get(key) as string | undefined
    return value === undefined ? null : (JSON.parse(value) as T)
  }

  setState(key: string, value: unknown): void {
    this.statement(
      'INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ).run(key, JSON.stringify(value ?? null))
  }

  deleteState(key: string): void {
    this.statement('DELETE FROM state WHERE key = ?').run(key)
  }

  // -------------------------------------------------------- embedding models

  getActiveModel(): EmbeddingModelRecord | null {
    const row = this.statement('SELECT * FROM embedding_models WHERE active = 1').get() as ModelRow | undefined
    return row ? toModelRecord(row) : null
  }

  getModel(table: string): EmbeddingModelRecord | null {
    const row = this.statement('SELECT * FROM embedding_models WHERE table_name = ?').get(table) as ModelRow | undefined
    return row ? toModelRecord(row) : null
  }

  /** Inserts or updates a model record; does not change which model is active. */
  upsertModel(record: EmbeddingModelRecord): void {
    this.statement(
      `INSERT INTO embedding_models (table_name, model_id, dimensions, fingerprint, state, created_at, active)
       VALUES (@table, @modelId, @dimensions, @fingerprint, @state, @createdAt, 0)
       ON CONFLICT (table_name) DO UPDATE SET model_id = excluded.model_id, dimensions = excluded.dimensions,
         fingerprint = excluded.fingerprint, state = excluded.state, created_at = excluded.created_at`,
    ).run({
      table: record.table,
      modelId: record.modelId,
      dimensions: record.dimensions,
      fingerprint: JSON.stringify(record.fingerprint),
      state: record.state,
      createdAt: record.createdAt,
    })
  }

  /** Makes `table` the one active model; throws `not-found` for an unknown table. */
  setActiveModel(table: string): void {
    this.transaction(() => {
      if (!this.getModel(table)) throw new BrainError('not-found', `No embedding model record for table ${table}.`)
      this.statement('UPDATE embedding_models SET active = (table_name = ?)').run(table)
    })
  }

  deleteModel(table: string): boolean {
    return this.statement('DELETE FROM embedding_models WHERE table_name = ?').run(table).changes > 0
  }

  listModels(): EmbeddingModelRecord[] {
    return (this.statement('SELECT * FROM embedding_models ORDER BY created_at, table_name').all() as ModelRow[]).map(
      toModelRecord,
    )
  }

  // ----------------------------------------------------------- conversations

  /** Newest activity first. */
  listConversations(): ConversationSummary[] {
    return (
      this.statement('SELECT * FROM conversations ORDER BY updated_at DESC, created_at DESC').all() as ConversationRow[]
    ).map(toSummary)
  }

  createConversation(title: string): ConversationSummary {
    const stamp = this.stamp()
    const summary: ConversationSummary = { id: randomUUID(), title, createdAt: stamp, updatedAt: stamp }
    this.statement('INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)').run(
      summary.id,
      summary.title,
      summary.createdAt,
      summary.updatedAt,
    )
    return summary
  }

  /** The conversation with its messages, oldest first; throws `not-found`. */
  getConversation(id: string): Conversation {
    const row = this.statement('SELECT * FROM conversations WHERE id = ?').get(id) as ConversationRow | undefined
    if (!row) throw conversationNotFound(id)
    const messages = (
      this.statement(
        'SELECT id, role, content, answer, created_at FROM messages WHERE conversation_id = ? ORDER BY seq',
      ).all(id) as MessageRow[]
    ).map(toMessage)
    return { ...toSummary(row), messages }
  }

  /** Renames a conversation (its place in the list is unchanged); throws `not-found`. */
  renameConversation(id: string, title: string): ConversationSummary {
    const changes = this.statement('UPDATE conversations SET title = ? WHERE id = ?').run(title, id).changes
    if (changes === 0) throw conversationNotFound(id)
    return toSummary(this.statement('SELECT * FROM conversations WHERE id = ?').get(id) as ConversationRow)
  }

  /** Deletes a conversation and its messages; false when there was none. */
  deleteConversation(id: string): boolean {
    return this.statement('DELETE FROM conversations WHERE id = ?').run(id).changes > 0
  }

  /** Appends a message and moves the conversation to the top of the list; throws `not-found`. */
  appendMessage(conversationId: string, message: MessageInput): ConversationMessage {
    return this.transaction(() => {
      const stamp = this.stamp()
      const changes = this.statement('UPDATE conversations SET updated_at = ? WHERE id = ?').run(stamp, conversationId)
        .changes
      if (changes === 0) throw conversationNotFound(conversationId)
      const stored: ConversationMessage = {
        id: randomUUID(),
        role: message.role,
        content: message.content,
        createdAt: stamp,
        answer: message.answer ?? null,
      }
      this.statement(
        'INSERT INTO messages (id, conversation_id, role, content, answer, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(
        stored.id,
        conversationId,
        stored.role,
        stored.content,
        stored.answer === null ? null : JSON.stringify(stored.answer),
        stored.createdAt,
      )
      return stored
    })
  }

  // --------------------------------------------------------------- plumbing

  /**
   * The raw handle, for engine modules that keep their own tables in this file through an appended migration (sync),
   * so their writes can commit together with the index's. Use `transaction` for multi-statement writes.
   */
  get database(): BetterSqlite3.Database {
    this.assertOpen()
    return this.db
  }

  /**
   * Runs `fn` in one transaction (nested calls become savepoints). BEGIN IMMEDIATE takes the write lock up front,
   * so a second connection waits out busy_timeout at the start instead of failing with SQLITE_BUSY half way,
   * when a deferred transaction tries to upgrade its read lock (which SQLite cannot wait for).
   */
  transaction<T>(fn: () => T): T {
    this.assertOpen()
    return this.db.transaction(fn).immediate()
  }

  /** Closes the database; safe to call more than once. */
  dispose(): void {
    if (this.disposed) return
    this.disposed = true
    this.statements.clear()
    try {
      // Keeps the query planner's statistics fresh at almost no cost, as SQLite recommends before closing.
      this.db.pragma('optimize')
    } catch {
      // Closing matters more than statistics.
    }
    this.db.close()
  }

  private statement(sql: string): BetterSqlite3.Statement {
    this.assertOpen()
    let statement = this.statements.get(sql)
    if (!statement) {
      statement = this.db.prepare(sql)
      this.statements.set(sql, statement)
    }
    return statement
  }

  private assertOpen(): void {
    if (this.disposed) throw new BrainError('engine-unavailable', 'The index database is closed.')
  }

  private deleteChunksOf(path: string): string[] {
    const ids = this.statement('SELECT id FROM chunks WHERE path = ?').pluck().all(path) as string[]
    if (ids.length > 0) this.statement('DELETE FROM chunks WHERE path = ?').run(path)
    return ids
  }

  private refreshChunkCounts(): void {
    this.statement('UPDATE files SET chunk_count = (SELECT count(*) FROM chunks WHERE chunks.path = files.path)').run()
  }

  private upsertFileRow(file: FileInput, status: FileRecord['status'], chunkCount: number, indexedAt: string | null): void {
    this.statement(
      `INSERT INTO files (path, size, mtime_ms, sha256, status, error_code, error_message, period_start, period_end,
         period_source, period_inferred, label, chunk_count, indexed_at)
       VALUES (@path, @size, @mtimeMs, @sha256, @status, NULL, NULL, @periodStart, @periodEnd, @periodSource,
         @periodInferred, @label, @chunkCount, @indexedAt)
       ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, sha256 = excluded.sha256,
         status = excluded.status, error_code = NULL, error_message = NULL, period_start = excluded.period_start,
         period_end = excluded.period_end, period_source = excluded.period_source,
         period_inferred = excluded.period_inferred, label = excluded.label, chunk_count = excluded.chunk_count,
         indexed_at = excluded.indexed_at`,
    ).run({
      path: file.path,
      size: file.size,
      mtimeMs: file.mtimeMs,
      sha256: file.sha256,
      status,
      periodStart: file.period.start,
      periodEnd: file.period.end,
      periodSource: file.period.source,
      periodInferred: file.period.inferred ? 1 : 0,
      label: file.label,
      chunkCount,
      indexedAt,
    })
  }

  /** ISO timestamps, strictly increasing within this store so "newest first" never ties. */
  private stamp(): string {
    let stamp = new Date().toISOString()
    if (stamp <= this.lastStamp) stamp = new Date(Date.parse(this.lastStamp) + 1).toISOString()
    this.lastStamp = stamp
    return stamp
  }
}

function filterSql(filter: ChunkFilter, prefix: string): { sql: string; params: Record<string, unknown> } {
  let sql = ''
  const params: Record<string, unknown> = {}
  if (filter.period) {
    sql += ` AND ${prefix}period_start <= @periodEnd AND ${prefix}period_end >= @periodStart`
    params.periodStart = filter.period.start
    params.periodEnd = filter.period.end
  }
  if (filter.pathPrefix) {
    // substr compares exactly (LIKE would be case-insensitive and treat % and _ as wildcards).
    sql += ` AND substr(${prefix}path, 1, @prefixLength) = @pathPrefix`
    params.pathPrefix = filter.pathPrefix
    params.prefixLength = filter.pathPrefix.length
  }
  return { sql, params }
}

function chunkParams(record: ChunkRecord): Record<string, unknown> {
  return {
    id: record.id,
    path: record.path,
    ordinal: record.ordinal,
    headingPath: JSON.stringify(record.headingPath),
    startLine: record.startLine,
    endLine: record.endLine,
    text: record.text,
    embedText: record.embedText,
    contentHash: record.contentHash,
    periodStart: record.periodStart,
    periodEnd: record.periodEnd,
    periodSource: record.periodSource,
    periodInferred: record.periodInferred ? 1 : 0,
    title: record.title,
    fields: record.fields,
  }
}

function toFileRecord(row: FileRow): FileRecord {
  const period: NotePeriod | null =
    row.period_start !== null && row.period_end !== null
      ? {
          start: row.period_start,
          end: row.period_end,
          source: (row.period_source ?? 'mtime') as PeriodSource,
          inferred: row.period_inferred === 1,
        }
      : null
  return {
    path: row.path,
    size: row.size,
    mtimeMs: row.mtime_ms,
    sha256: row.sha256,
    status: row.status,
    errorCode: row.error_code as ErrorCode | null,
    errorMessage: row.error_message,
    period,
    label: row.label,
    chunkCount: row.chunk_count,
    indexedAt: row.indexed_at,
  }
}

function toChunkRecord(row: ChunkRow): ChunkRecord {
  return {
    id: row.id,
    path: row.path,
    ordinal: row.ordinal,
    headingPath: JSON.parse(row.heading_path) as string[],
    startLine: row.start_line,
    endLine: row.end_line,
    text: row.text,
    embedText: row.embed_text,
    contentHash: row.content_hash,
    periodStart: row.period_start,
    periodEnd: row.period_end,
    periodSource: row.period_source as PeriodSource,
    periodInferred: row.period_inferred === 1,
    title: row.title,
    fields: row.fields,
    embedded: row.embedded === 1,
  }
}

function toModelRecord(row: ModelRow): EmbeddingModelRecord {
  return {
    table: row.table_name,
    modelId: row.model_id,
    dimensions: row.dimensions,
    fingerprint: JSON.parse(row.fingerprint) as number[],
    state: row.state,
    createdAt: row.created_at,
  }
}

function toSummary(row: ConversationRow): ConversationSummary {
  return { id: row.id, title: row.title, createdAt: row.created_at, updatedAt: row.updated_at }
}

function toMessage(row: MessageRow): ConversationMessage {
  return {
    id: row.id,
    role: row.role,
    content: row.content,
    createdAt: row.created_at,
    answer: row.answer === null ? null : (JSON.parse(row.answer) as ConversationMessage['answer']),
  }
}

function conversationNotFound(id: string): BrainError {
  return new BrainError('not-found', `No conversation with id ${id}.`, { details: { id } })
}

function unwritable(path: string, message: string, cause: unknown): BrainError {
  return new BrainError('data-dir-unwritable', `${message}: ${messageOf(cause)}`, { cause, details: { path } })
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function placeholders(count: number): string {
  return new Array<string>(count).fill('?').join(', ')
}

function* batches<T>(items: T[], size = BATCH): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size)
}

function positiveLimit(limit: number): number {
  return Number.isFinite(limit) && limit > 0 ? Math.floor(limit) : 0
}
