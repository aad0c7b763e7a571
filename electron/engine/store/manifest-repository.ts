import type { ErrorCode } from '../../../shared/errors'
import type { NotePeriod, PeriodSource } from '../../../shared/period'
import type { MetaDatabase } from './open-meta-database'
import type { FileInput, FileRecord } from './types'

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

/** The manifest (`files`): one row per file the index knows, with its hash, status and period. */
export class ManifestRepository {
  constructor(private readonly db: MetaDatabase) {}

  get(path: string): FileRecord | null {
    const row = this.db.statement('SELECT * FROM files WHERE path = ?').get(path) as FileRow | undefined
    return row ? toFileRecord(row) : null
  }

  list(): FileRecord[] {
    return (this.db.statement('SELECT * FROM files ORDER BY path').all() as FileRow[]).map(toFileRecord)
  }

  count(): number {
    return (this.db.statement('SELECT count(*) AS n FROM files').get() as { n: number }).n
  }

  findByHash(sha256: string): FileRecord[] {
    return (this.db.statement('SELECT * FROM files WHERE sha256 = ? ORDER BY path').all(sha256) as FileRow[]).map(toFileRecord)
  }

  listFailed(): FileRecord[] {
    return (this.db.statement("SELECT * FROM files WHERE status = 'failed' ORDER BY path").all() as FileRow[]).map(toFileRecord)
  }

  /** Paths whose manifest status is `pending`. */
  pendingPaths(): string[] {
    return this.db.statement("SELECT path FROM files WHERE status = 'pending' ORDER BY path").pluck().all() as string[]
  }

  /** Whether `path` is `pending`. */
  isPending(path: string): boolean {
    return this.db.statement("SELECT 1 FROM files WHERE path = ? AND status = 'pending'").get(path) !== undefined
  }

  /** The file's chunks all have vectors (or no model is loaded): it is fully indexed. */
  markIndexed(path: string): void {
    this.db
      .statement("UPDATE files SET status = 'indexed', indexed_at = ?, error_code = NULL, error_message = NULL WHERE path = ?")
      .run(this.db.stamp(), path)
  }

  /** Writes the row of a file that was read and chunked (errors cleared). */
  upsert(file: FileInput, status: FileRecord['status'], chunkCount: number, indexedAt: string | null): void {
    this.db
      .statement(
        `INSERT INTO files (path, size, mtime_ms, sha256, status, error_code, error_message, period_start, period_end,
           period_source, period_inferred, label, chunk_count, indexed_at)
         VALUES (@path, @size, @mtimeMs, @sha256, @status, NULL, NULL, @periodStart, @periodEnd, @periodSource,
           @periodInferred, @label, @chunkCount, @indexedAt)
         ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, sha256 = excluded.sha256,
           status = excluded.status, error_code = NULL, error_message = NULL, period_start = excluded.period_start,
           period_end = excluded.period_end, period_source = excluded.period_source,
           period_inferred = excluded.period_inferred, label = excluded.label, chunk_count = excluded.chunk_count,
           indexed_at = excluded.indexed_at`,
      )
      .run({
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

  /** Writes the row of a file that could not be indexed; size and mtime as given. */
  upsertFailed(path: string, code: ErrorCode, message: string, stat: { size: number; mtimeMs: number }): void {
    this.db
      .statement(
        `INSERT INTO files (path, size, mtime_ms, sha256, status, error_code, error_message, chunk_count, indexed_at)
         VALUES (@path, @size, @mtimeMs, '', 'failed', @code, @message, 0, NULL)
         ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, status = 'failed',
           error_code = excluded.error_code, error_message = excluded.error_message, chunk_count = 0,
           indexed_at = NULL`,
      )
      .run({ path, size: stat.size, mtimeMs: stat.mtimeMs, code, message })
  }

  /** Removes the row (its chunks go with it through the foreign key's cascade). */
  delete(path: string): void {
    this.db.statement('DELETE FROM files WHERE path = ?').run(path)
  }

  /** Fully indexed files become pending again (every chunk needs a new vector). */
  markIndexedAsPending(): void {
    this.db.statement("UPDATE files SET status = 'pending' WHERE status = 'indexed' AND chunk_count > 0").run()
  }

  /** Recounts every file's chunks (after chunks moved between files). */
  refreshChunkCounts(): void {
    this.db.statement('UPDATE files SET chunk_count = (SELECT count(*) FROM chunks WHERE chunks.path = files.path)').run()
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
