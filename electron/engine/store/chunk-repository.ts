import { BrainError, errorMessage } from '../../../shared/errors'
import type { PeriodSource } from '../../../shared/period'
import { SNIPPET_MARK_END, SNIPPET_MARK_START } from '../../../shared/search'
import type { ChunkDraft } from '../chunker/types'
import { batches, type MetaDatabase, placeholders, positiveLimit } from './open-meta-database'
import type { ChunkFilter, ChunkRecord, ChunkVectorState, FileInput, KeywordHit, RemovedChunks, RemovedVector, ReplaceFileResult } from './types'

const SNIPPET_TOKENS = 24
/** Heading text is a stronger signal than body text; bm25 weights follow the FTS column order. */
const HEADING_WEIGHT = 2.0
const BODY_WEIGHT = 1.0
/** Front-matter title, description and tags: what the author said the note is about. */
const FIELDS_WEIGHT = 3.0

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

const CHUNK_COLUMNS =
  'id, path, ordinal, heading_path, start_line, end_line, text, embed_text, content_hash, period_start, period_end, ' +
  'period_source, period_inferred, title, fields, embedded'

/** What `replaceForFile` changed, with what the manifest row needs to know. */
export interface ChunkReplacement extends ReplaceFileResult {
  /** Every chunk of the file already has a current vector. */
  allEmbedded: boolean
  /** Some chunk ids were taken over from another file (its chunk count is stale). */
  tookOverIds: boolean
}

/** Chunks (`chunks`) and their FTS5 keyword index (`chunks_fts`, kept in step by triggers). */
export class ChunkRepository {
  constructor(private readonly db: MetaDatabase) {}

  /** Chunks by id, in the order given; unknown ids are skipped. */
  getMany(ids: string[]): ChunkRecord[] {
    const found = new Map<string, ChunkRecord>()
    for (const batch of batches(ids)) {
      const rows = this.db.statement(`SELECT ${CHUNK_COLUMNS} FROM chunks WHERE id IN (${placeholders(batch.length)})`).all(...batch) as ChunkRow[]
      for (const row of rows) found.set(row.id, toChunkRecord(row))
    }
    const result: ChunkRecord[] = []
    for (const id of ids) {
      const chunk = found.get(id)
      if (chunk) result.push(chunk)
    }
    return result
  }

  forFile(path: string): ChunkRecord[] {
    return (this.db.statement(`SELECT ${CHUNK_COLUMNS} FROM chunks WHERE path = ? ORDER BY ordinal`).all(path) as ChunkRow[]).map(toChunkRecord)
  }

  /** Chunks whose vector is not in the active table yet, oldest first. */
  needingVectors(limit: number): ChunkRecord[] {
    return (
      this.db.statement(`SELECT ${CHUNK_COLUMNS} FROM chunks WHERE embedded = 0 ORDER BY seq LIMIT ?`).all(positiveLimit(limit)) as ChunkRow[]
    ).map(toChunkRecord)
  }

  markEmbedded(ids: string[], embedded = true): void {
    if (ids.length === 0) return
    this.db.transaction(() => {
      for (const batch of batches(ids)) {
        this.db.statement(`UPDATE chunks SET embedded = ? WHERE id IN (${placeholders(batch.length)})`).run(embedded ? 1 : 0, ...batch)
      }
    })
  }

  /** Every chunk needs a vector again. */
  clearEmbedded(): void {
    this.db.statement('UPDATE chunks SET embedded = 0 WHERE embedded <> 0').run()
  }

  count(): number {
    return (this.db.statement('SELECT count(*) AS n FROM chunks').get() as { n: number }).n
  }

  countEmbedded(): number {
    // All minus the unembedded, which the partial index counts without reading every chunk (the status bar asks often).
    return (this.db.statement('SELECT (SELECT count(*) FROM chunks) - (SELECT count(*) FROM chunks WHERE embedded = 0) AS n').get() as { n: number }).n
  }

  /** For each content hash, one chunk id that has a vector with that text (for reusing vectors without a scan). */
  embeddedByContentHash(hashes: string[]): Map<string, string> {
    const found = new Map<string, string>()
    const statement = this.db.statement('SELECT content_hash AS hash, id FROM chunks WHERE content_hash = ? AND embedded = 1 LIMIT 1')
    for (const hash of new Set(hashes)) {
      const row = statement.get(hash) as { hash: string; id: string } | undefined
      if (row) found.set(row.hash, row.id)
    }
    return found
  }

  allIds(): string[] {
    return this.db.statement('SELECT id FROM chunks ORDER BY seq').pluck().all() as string[]
  }

  /** Paths with at least one chunk waiting for a vector. */
  pathsWithPending(): string[] {
    return this.db.statement('SELECT DISTINCT path FROM chunks WHERE embedded = 0 ORDER BY path').pluck().all() as string[]
  }

  /** Whether `path` has a chunk still waiting for a vector. */
  hasPending(path: string): boolean {
    return this.db.statement('SELECT 1 FROM chunks WHERE path = ? AND embedded = 0 LIMIT 1').get(path) !== undefined
  }

  /** Every chunk's vector-relevant fields and `embedded` flag: what reconciliation compares the vector table with. */
  vectorStates(): Map<string, ChunkVectorState> {
    const states = new Map<string, ChunkVectorState>()
    const rows = this.db
      .statement('SELECT id, path, content_hash, period_start, period_end, embedded FROM chunks')
      .raw()
      .iterate() as Iterable<[string, string, string, string, string, number]>
    for (const [id, path, contentHash, periodStart, periodEnd, embedded] of rows) {
      states.set(id, { path, contentHash, periodStart, periodEnd, embedded: embedded === 1 })
    }
    return states
  }

  /** Deletes a file's chunks; returns their ids and the vectors they leave behind (read once, with the ids). */
  deleteForFile(path: string): RemovedChunks {
    const rows = this.db.statement('SELECT id, content_hash, embedded FROM chunks WHERE path = ?').raw().all(path) as Array<[string, string, number]>
    if (rows.length > 0) this.db.statement('DELETE FROM chunks WHERE path = ?').run(path)
    return {
      removedIds: rows.map(([id]) => id),
      removedVectors: rows.filter(([, , embedded]) => embedded === 1).map(([id, contentHash]) => ({ id, contentHash })),
    }
  }

  /**
   * Writes a file's new chunks, diffing by chunk id: ids that disappeared are deleted, new ones inserted with
   * `embedded = 0`, the rest kept with their `embedded` flag. The manifest row must exist (foreign key); run it in
   * the caller's transaction. One read finds both the file's chunks and any new id another file owns.
   */
  replaceForFile(file: FileInput, chunks: ChunkDraft[]): ChunkReplacement {
    const newIds = new Set<string>()
    for (const chunk of chunks) {
      if (newIds.has(chunk.id)) throw new BrainError('invalid-input', `Duplicate chunk id ${chunk.id} in ${file.path}.`)
      newIds.add(chunk.id)
    }
    const existing = new Map<string, ChunkRow>()
    // A chunk id could in theory be owned by another path (ids come from the chunker); the UNIQUE constraint
    // would then abort the whole file, so take it over explicitly instead.
    const ownedElsewhere = new Set<string>()
    const rows = this.db
      .statement(`SELECT ${CHUNK_COLUMNS} FROM chunks WHERE path = @path OR id IN (SELECT value FROM json_each(@ids))`)
      .all({ path: file.path, ids: JSON.stringify([...newIds]) }) as ChunkRow[]
    for (const row of rows) {
      if (row.path === file.path) existing.set(row.id, row)
      else ownedElsewhere.add(row.id)
    }

    const removedIds: string[] = []
    const removedVectors: RemovedVector[] = []
    for (const [id, row] of existing) {
      if (newIds.has(id)) continue
      removedIds.push(id)
      if (row.embedded === 1) removedVectors.push({ id, contentHash: row.content_hash })
    }
    const deleteChunk = this.db.statement('DELETE FROM chunks WHERE id = ?')
    for (const id of removedIds) deleteChunk.run(id)

    const added: ChunkRecord[] = []
    const keptIds: string[] = []
    const removedElsewhere: string[] = []
    const insert = this.db.statement(
      `INSERT INTO chunks (id, path, ordinal, heading_path, start_line, end_line, text, embed_text, content_hash,
         period_start, period_end, period_source, period_inferred, title, fields, embedded)
       VALUES (@id, @path, @ordinal, @headingPath, @startLine, @endLine, @text, @embedText, @contentHash,
         @periodStart, @periodEnd, @periodSource, @periodInferred, @title, @fields, 0)`,
    )
    const restamp = this.db.statement(
      `UPDATE chunks SET ordinal = @ordinal, start_line = @startLine, end_line = @endLine,
         period_start = @periodStart, period_end = @periodEnd, period_source = @periodSource,
         period_inferred = @periodInferred, title = @title, fields = @fields, embedded = @embedded WHERE id = @id`,
    )
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
        if (ownedElsewhere.has(chunk.id)) {
          deleteChunk.run(chunk.id)
          removedElsewhere.push(chunk.id)
        }
        insert.run(chunkParams(record))
        added.push(record)
        allEmbedded = false
        continue
      }
      const periodChanged = previous.period_start !== record.periodStart || previous.period_end !== record.periodEnd
      const moved = previous.ordinal !== chunk.ordinal || previous.start_line !== chunk.startLine || previous.end_line !== chunk.endLine
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
      if (periodChanged) added.push(record)
      else keptIds.push(chunk.id)
      if (!embedded) allEmbedded = false
    }
    return { added, removedIds: [...removedIds, ...removedElsewhere], keptIds, removedVectors, allEmbedded, tookOverIds: removedElsewhere.length > 0 }
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
      return this.db.statement(sql).all({
        ...where.params,
        query: ftsQuery,
        markStart: SNIPPET_MARK_START,
        markEnd: SNIPPET_MARK_END,
        limit: positiveLimit(limit),
      }) as KeywordHit[]
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_ERROR') {
        throw new BrainError('invalid-input', `The keyword query could not be understood: ${errorMessage(error)}`, {
          cause: error,
          details: { query: ftsQuery },
        })
      }
      throw error
    }
  }

  /** Chunks in a period (and path prefix), by date, then path, then position: "what was I doing in March 2023". */
  inPeriod(filter: ChunkFilter, limit: number): ChunkRecord[] {
    const where = filterSql(filter, '')
    const sql = `SELECT ${CHUNK_COLUMNS} FROM chunks WHERE 1 = 1${where.sql}
      ORDER BY period_start, path, ordinal LIMIT @limit`
    return (this.db.statement(sql).all({ ...where.params, limit: positiveLimit(limit) }) as ChunkRow[]).map(toChunkRecord)
  }

  /**
   * Checks that the keyword index matches the chunks table; throws `internal` (with `details.reason = 'fts'`)
   * when it does not. `rebuildKeywordIndex` repairs it.
   */
  checkKeywordIndex(): void {
    try {
      this.db.statement("INSERT INTO chunks_fts (chunks_fts, rank) VALUES ('integrity-check', 1)").run()
    } catch (error) {
      throw new BrainError('internal', `The keyword index is out of step with the chunks: ${errorMessage(error)}`, {
        cause: error,
        details: { reason: 'fts' },
      })
    }
  }

  /** Rebuilds the keyword index from the chunks table. */
  rebuildKeywordIndex(): void {
    this.db.statement("INSERT INTO chunks_fts (chunks_fts) VALUES ('rebuild')").run()
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
