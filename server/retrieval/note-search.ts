import type { QueryPeriod } from '../../shared/period'
import type { Retriever, SearchHit } from '../../shared/search'
import { searchTerms } from '../../electron/engine/retrieval/fts-query'
import { RRF_K, fuseRankings, type RankedList } from '../../electron/engine/retrieval/fuse'
import { orderIntent, parseQuery } from '../../electron/engine/retrieval/parse-query'
import { buildSnippet } from '../../electron/engine/retrieval/snippet'
import type { Queryable } from '../db/database'
import { toPgVector } from '../embedding/model-pool'

/** Each retriever proposes this many candidates before fusion; a range question lists at most RANGE_LIMIT chunks. */
const CANDIDATES = 40
const RANGE_LIMIT = 60

export interface NoteSearchInput {
  userId: number
  question: string
  /** ISO date the relative phrases ("last week") are read against. */
  today: string
  limit: number
  /** Embeds the searched text as a query with the user's index model; null when there is none (keyword only). */
  embedQuery: ((text: string) => Promise<Float32Array>) | null
}

export interface NoteSearchResult {
  hits: SearchHit[]
  searchedText: string
  period: QueryPeriod | null
  rangeOnly: boolean
  /** The query vector, when one was made (drift monitoring uses it). */
  queryVector: Float32Array | null
  /** How many chunks each retriever found. */
  keywordMatches: number
  vectorMatches: number
  /** Cosine similarity of the nearest chunk to the query vector; null without one. */
  nearestSimilarity: number | null
  periodWarning: string | null
}

interface ChunkRow {
  id: string
  path: string
  heading_path: string[] | string
  start_line: number
  end_line: number
  text: string
  period_start: string
  period_end: string
  period_source: string
  period_inferred: boolean
}

const CHUNK_COLUMNS = 'c.id, c.path, c.heading_path, c.start_line, c.end_line, c.text, c.period_start, c.period_end, n.period_source, n.period_inferred'

/**
 * Hybrid search over one user's synced notes in Postgres, the desktop's way: the same time-phrase parser, the same
 * search terms, Postgres full-text search (OR of the terms, plus a second vote for chunks holding all of them) and
 * pgvector cosine distance, fused by reciprocal rank (the desktop's `fuseRankings`).
 */
export async function searchNotes(db: Queryable, input: NoteSearchInput): Promise<NoteSearchResult> {
  const parsed = parseQuery(input.question, input.today)
  const period = parsed.period
  // $1 user, $2 period start, $3 period end, $4 path prefix: the filter every retriever shares.
  const filter = `c.user_id = $1 AND ($2::text IS NULL OR (c.period_start <= $3::text AND c.period_end >= $2::text)) AND ($4::text IS NULL OR left(c.path, length($4::text)) = $4::text)`
  const filterParams = [input.userId, period?.start ?? null, period?.end ?? null, parsed.pathPrefix]
  const base = { searchedText: parsed.text, period, rangeOnly: false, queryVector: null, keywordMatches: 0, vectorMatches: 0, nearestSimilarity: null as number | null, periodWarning: parsed.periodWarning }

  if (period && parsed.rangeOnly) {
    const { rows } = await db.query<ChunkRow>(
      `SELECT ${CHUNK_COLUMNS} FROM chunks c JOIN notes n ON n.user_id = c.user_id AND n.path = c.path
       WHERE ${filter} ORDER BY c.period_start, c.path, c.ordinal LIMIT ${RANGE_LIMIT}`,
      filterParams,
    )
    const hits = rows.map((row, index) => toHit(row, 1 / (RRF_K + index + 1), ['period'], []))
    return { ...base, rangeOnly: true, hits }
  }

  const terms = searchTerms(parsed.text)
  const lists: RankedList[] = []
  let keywordMatches = 0
  if (terms.length > 0) {
    const any = tsQuery(terms, ' | ')
    const ranked = await keywordIds(db, filter, filterParams, any)
    keywordMatches = ranked.length
    lists.push({ retriever: 'keyword', ids: ranked })
    if (terms.length > 1) {
      const all = await keywordIds(db, filter, filterParams, tsQuery(terms, ' & '))
      if (all.length > 0) lists.push({ retriever: 'keyword', ids: all })
    }
  }

  let queryVector: Float32Array | null = null
  let vectorMatches = 0
  let nearestSimilarity: number | null = null
  if (input.embedQuery && /[\p{L}\p{N}]/u.test(parsed.text)) {
    queryVector = await input.embedQuery(parsed.text)
    const { rows } = await db.query<{ id: string; distance: number }>(
      `SELECT c.id, c.embedding <=> $5::vector AS distance FROM chunks c WHERE ${filter} AND c.embedding IS NOT NULL AND vector_dims(c.embedding) = $6
       ORDER BY distance LIMIT ${CANDIDATES}`,
      [...filterParams, toPgVector(queryVector), queryVector.length],
    )
    vectorMatches = rows.length
    nearestSimilarity = rows.length > 0 ? 1 - Number(rows[0].distance) : null
    lists.push({ retriever: 'vector', ids: rows.map((row) => row.id) })
  }

  let fused = fuseRankings(lists)
  const intent = orderIntent(parsed.text)
  if (intent) {
    // "When did I first/last ...": the chunks holding every topic word lead, in date order.
    const topic = searchTerms(intent.topic)
    if (topic.length > 0) {
      const direction = intent.order === 'first' ? 'ASC' : 'DESC'
      const { rows } = await db.query<{ id: string }>(
        `SELECT c.id FROM chunks c WHERE ${filter} AND c.tsv @@ to_tsquery('english', $5) ORDER BY c.period_start ${direction}, c.path, c.ordinal LIMIT 3`,
        [...filterParams, tsQuery(topic, ' & ')],
      )
      const lead = new Set(rows.map((row) => row.id))
      const top = fused[0]?.score ?? 0
      fused = [
        ...rows.map((row, index) => ({ id: row.id, score: top + 1 / (RRF_K + index + 1), retrievers: ['keyword' as Retriever], ranks: {} })),
        ...fused.filter((item) => !lead.has(item.id)),
      ]
    }
  }

  const wanted = fused.slice(0, input.limit)
  if (wanted.length === 0) return { ...base, queryVector, keywordMatches, vectorMatches, nearestSimilarity, hits: [] }
  const { rows } = await db.query<ChunkRow>(
    `SELECT ${CHUNK_COLUMNS} FROM chunks c JOIN notes n ON n.user_id = c.user_id AND n.path = c.path WHERE c.user_id = $1 AND c.id = ANY($2::text[])`,
    [input.userId, wanted.map((item) => item.id)],
  )
  const byId = new Map(rows.map((row) => [row.id, row]))
  const words = terms.map((tokens) => tokens.join(' '))
  const hits = wanted.flatMap((item) => {
    const row = byId.get(item.id)
    return row ? [toHit(row, item.score, item.retrievers, words)] : []
  })
  return { ...base, queryVector, keywordMatches, vectorMatches, nearestSimilarity, hits }
}

async function keywordIds(db: Queryable, filter: string, params: unknown[], query: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT c.id FROM chunks c, to_tsquery('english', $5) q WHERE ${filter} AND c.tsv @@ q
     ORDER BY ts_rank_cd(c.tsv, q) DESC, c.period_start DESC, c.id LIMIT ${CANDIDATES}`,
    [...params, query],
  )
  return rows.map((row) => row.id)
}

/** A tsquery from search terms: each term's tokens as a phrase; tokens are letters and digits only, so quoting is safe. */
function tsQuery(terms: string[][], joiner: ' | ' | ' & '): string {
  return terms.map((tokens) => `(${tokens.map((token) => `'${token}'`).join(' <-> ')})`).join(joiner)
}

function toHit(row: ChunkRow, score: number, retrievers: Retriever[], terms: string[]): SearchHit {
  const headingPath = typeof row.heading_path === 'string' ? (JSON.parse(row.heading_path) as string[]) : row.heading_path
  return {
    chunkId: row.id,
    path: row.path,
    headingPath,
    startLine: row.start_line,
    endLine: row.end_line,
    periodStart: row.period_start,
    periodEnd: row.period_end,
    periodGuessed: row.period_inferred,
    title: null,
    score,
    snippet: buildSnippet(row.text, terms),
    text: row.text,
    retrievers,
  }
}
