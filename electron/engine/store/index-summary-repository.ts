import type { Period } from '../../../shared/period'
import { positiveLimit, type MetaDatabase } from './open-meta-database'

/** One period's count of matching chunks, for the timeline. */
export interface PeriodCount {
  start: string
  end: string
  count: number
}

/** Read-only figures over the manifest and chunks together: the notes overview, the timeline, period provenance. */
export class IndexSummaryRepository {
  constructor(private readonly db: MetaDatabase) {}

  /** Indexed files and the chunks they hold. */
  indexedCounts(): { files: number; chunks: number } {
    return this.db.statement("SELECT count(*) AS files, coalesce(sum(chunk_count), 0) AS chunks FROM files WHERE status = 'indexed'").get() as {
      files: number
      chunks: number
    }
  }

  /** The earliest start and latest end of any chunk's period, or null on an empty index. */
  span(): Period | null {
    const span = this.db.statement('SELECT min(period_start) AS start, max(period_end) AS end FROM chunks').get() as { start: string | null; end: string | null }
    return span.start && span.end ? { start: span.start, end: span.end } : null
  }

  /** The newest chunk's period. */
  latestPeriod(): Period | null {
    const latest = this.db.statement('SELECT period_start AS start, period_end AS end FROM chunks ORDER BY period_start DESC, period_end DESC LIMIT 1').get() as
      | Period
      | undefined
    return latest ?? null
  }

  /** Months (YYYY-MM) by how many notes have a chunk in them, fullest first. */
  busiestMonths(limit: number): string[] {
    const rows = this.db
      .statement('SELECT substr(period_start, 1, 7) AS month, count(DISTINCT path) AS notes FROM chunks GROUP BY month ORDER BY notes DESC, month DESC LIMIT ?')
      .all(positiveLimit(limit)) as Array<{ month: string; notes: number }>
    return rows.map((row) => row.month)
  }

  /** About `target` chunks spread evenly over the index (every n-th by insertion order), with their paths. */
  sampleChunkTexts(target: number): Array<{ path: string; text: string }> {
    const total = (this.db.statement('SELECT count(*) AS n FROM chunks').get() as { n: number }).n
    if (total === 0) return []
    const step = Math.max(1, Math.ceil(total / Math.max(1, target)))
    return this.db.statement('SELECT path, text FROM chunks WHERE seq % ? = 0').all(step) as Array<{ path: string; text: string }>
  }

  /** Chunks matching an FTS5 expression, counted per period, oldest first. */
  keywordCountsByPeriod(ftsQuery: string): PeriodCount[] {
    return this.db
      .statement(
        `SELECT c.period_start AS start, c.period_end AS end, count(*) AS count FROM chunks_fts JOIN chunks c ON c.seq = chunks_fts.rowid
         WHERE chunks_fts MATCH ? GROUP BY c.period_start, c.period_end ORDER BY c.period_start, c.period_end`,
      )
      .all(ftsQuery) as PeriodCount[]
  }

  /** Every chunk counted per period, oldest first. */
  chunkCountsByPeriod(): PeriodCount[] {
    return this.db
      .statement('SELECT period_start AS start, period_end AS end, count(*) AS count FROM chunks GROUP BY period_start, period_end ORDER BY period_start, period_end')
      .all() as PeriodCount[]
  }

  /** How many files and chunks got their period from each source ('file-name', 'front-matter:date', 'mtime', ...). */
  periodSourceCounts(): { files: Record<string, number>; chunks: Record<string, number> } {
    const count = (sql: string): Record<string, number> => {
      const counts: Record<string, number> = {}
      for (const row of this.db.statement(sql).all() as Array<{ source: string | null; n: number }>) {
        if (row.source !== null) counts[row.source] = row.n
      }
      return counts
    }
    return {
      files: count("SELECT period_source AS source, count(*) AS n FROM files WHERE status <> 'failed' GROUP BY period_source ORDER BY period_source"),
      chunks: count('SELECT period_source AS source, count(*) AS n FROM chunks GROUP BY period_source ORDER BY period_source'),
    }
  }
}
