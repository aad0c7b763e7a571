import { BrainError, isAbortError, throwIfAborted, errorMessage, abortedError } from '../../../shared/errors'
import { periodsOverlap, type QueryPeriod } from '../../../shared/period'
import type { Retriever, SearchHit, SearchMode, SearchOptions, SearchResult } from '../../../shared/search'
import type { Embedder } from '../embedder/types'
import { untilAborted } from '../async/until-aborted'
import type { MetaStore } from '../store/meta-store'
import type { ChunkFilter, ChunkRecord } from '../store/types'
import type { VectorStore } from '../store/vector-store'
import { utcMsToIsoDate } from '../../../shared/dates/calendar-date'
import { searchTerms, toFtsQuery } from './fts-query'
import { RRF_K, fuseRankings, type FusedItem, type RankedList } from './fuse'
import { intersectPeriods, normalisePathPrefix, operatorPeriod, orderIntent, parseQuery, type OrderIntent } from './parse-query'
import { withoutRepeatedLines } from './repeated-lines'
import { buildSnippet, withoutHeadingLine } from './snippet'
import { groupByWeek, type WeekGrouping } from './week-groups'

export const DEFAULT_SEARCH_LIMIT = 10
/** Range questions list every chunk in the range, up to this many (`allPassages`). */
export const RANGE_LIMIT = 500
/** Chunks read to group a pure time question by week: enough for ten years of weekly notes of ten sections. */
const RANGE_POOL = 5_000
/** A larger limit than this is clamped: the UI cannot show more and fusion gets slow. */
export const MAX_SEARCH_LIMIT = 200
/** Each retriever proposes this many times `limit` candidates (at least MIN_CANDIDATES) before fusion. */
const CANDIDATE_FACTOR = 4
/** First/last questions: how many topic chunks are ordered by date, and how many of them at least lead the hits. */
const DATE_ORDER_POOL = 500
const DATE_ORDER_LEAD = 3
/** Keyword "related notes": the note's most frequent words considered, and the cap when counting where they occur. */
const RELATED_CANDIDATE_TERMS = 24
const RELATED_DF_CAP = 2000
const MIN_CANDIDATES = 40
/** Section names every weekly log repeats: they say nothing about what a note is about. */
const TEMPLATE_WORDS = new Set(['done', 'learned', 'next', 'people', 'blockers', 'week', 'notes', 'todo', 'monday', 'friday'])

/** What the searcher needs from the engine; the vector side may be absent (no model yet, table building). */
export interface SearcherDeps {
  meta: MetaStore
  /** The active vector table, or null while there is none (no model loaded, or its table still building). */
  vectors: () => { store: VectorStore; table: string } | null
  embedder: () => Embedder | null
  /**
   * A start still under way that the vector side waits for (a one-shot reader's model load and store check): the
   * search parses and runs its keyword half first. Null when there is none.
   */
  ready?: () => Promise<void> | null
  /** The clock for "today" in relative phrases; tests pin it. */
  now?: () => Date
}

/** What the vector half of a search can use now, and the mode that gives. */
interface VectorSide {
  target: { store: VectorStore; table: string } | null
  embedder: Embedder | null
  mode: SearchMode
  reason: string | null
}

/** Hybrid (keyword + vector) search with time filters, and "related notes". */
export class Searcher {
  private readonly now: () => Date

  constructor(private readonly deps: SearcherDeps) {
    this.now = deps.now ?? (() => new Date())
  }

  async search(query: string, options: SearchOptions = {}, signal?: AbortSignal): Promise<SearchResult> {
    const started = performance.now()
    throwIfAborted(signal)
    const queryText = typeof query === 'string' ? query : ''
    const limit = clampLimit(options.limit)
    const today = options.today ?? utcMsToIsoDate(this.now().getTime())
    if (!/^\d{4}-\d{2}-\d{2}$/.test(today)) throw new BrainError('invalid-input', `"today" must be an ISO date, got ${today}.`)

    const parsed = parseQuery(queryText, today)
    const { period, warning: periodWarning } = combinePeriods(parsed.period, parsed.periodWarning, explicitPeriod(options))
    const prefixes = mergePrefixes(parsed.pathPrefix, options.pathPrefix ? normalisePathPrefix(options.pathPrefix) : null)
    const pathPrefix = prefixes.prefix
    const filter: ChunkFilter = { period, pathPrefix }
    const rangeOnly = period !== null && parsed.rangeOnly
    const result = (hits: SearchHit[], mode: SearchMode, modeReason: string | null, grouping: WeekGrouping | null = null): SearchResult => ({
      query: queryText,
      searchedText: parsed.text,
      period,
      pathPrefix,
      mode,
      modeReason,
      rangeOnly,
      hits,
      periodWarning,
      weeks: rangeOnly ? (grouping?.weeks ?? []) : null,
      moreWeeks: grouping?.moreWeeks ?? 0,
      tookMs: Math.round((performance.now() - started) * 100) / 100,
    })

    // Folders that no path can be in both match nothing; say so instead of searching.
    if (prefixes.disjoint) {
      const vectorSide = await this.readyVectorSide(signal)
      return result([], vectorSide.mode, vectorSide.reason)
    }

    if (rangeOnly) {
      const vectorSide = await this.readyVectorSide(signal)
      // Date order, then one entry per week: `limit` counts weeks here, so a year question lists weeks, not chunks.
      const chunks = this.deps.meta.chunks.inPeriod(filter, RANGE_POOL)
      const all = withoutRepeatedLines(
        chunks.map((chunk) => toHit(chunk, 0, ['period'], buildSnippet(chunk.text, []))),
        (_hit, text) => ({ snippet: buildSnippet(text, []) }),
      )
      const grouping = groupByWeek(all, period, limit)
      const listed = options.allPassages ? all.slice(0, RANGE_LIMIT) : grouping.weeks.flatMap((week) => week.passages)
      const hits = listed.map((hit, index) => ({ ...hit, score: 1 / (RRF_K + index + 1) }))
      const scored = new Map(hits.map((hit) => [hit.chunkId, hit.score]))
      for (const week of grouping.weeks) week.passages = week.passages.map((hit) => ({ ...hit, score: scored.get(hit.chunkId) ?? hit.score }))
      return result(hits, vectorSide.mode, vectorSide.reason, grouping)
    }

    const terms = searchTerms(parsed.text).map((tokens) => tokens.join(' '))
    const candidates = Math.max(limit * CANDIDATE_FACTOR, MIN_CANDIDATES)
    const lists: RankedList[] = []
    const keywordSnippets = new Map<string, string>()

    const ftsQuery = toFtsQuery(parsed.text)
    if (ftsQuery) {
      const keywordHits = this.deps.meta.chunks.keywordSearch(ftsQuery, filter, candidates)
      for (const hit of keywordHits) keywordSnippets.set(hit.chunkId, hit.snippet)
      lists.push({ retriever: 'keyword', ids: keywordHits.map((hit) => hit.chunkId) })
      // Chunks holding every term get a second keyword vote: with OR alone, a chunk that matches one rare term
      // exactly loses to chunks that match common terms in both retrievers.
      if (terms.length > 1) {
        const allTerms = this.deps.meta.chunks.keywordSearch(toFtsQuery(parsed.text, { requireAll: true })!, filter, candidates)
        for (const hit of allTerms) if (!keywordSnippets.has(hit.chunkId)) keywordSnippets.set(hit.chunkId, hit.snippet)
        if (allTerms.length > 0) lists.push({ retriever: 'keyword', ids: allTerms.map((hit) => hit.chunkId) })
      }
    }

    const vectorSide = await this.readyVectorSide(signal)
    let mode = vectorSide.mode
    let modeReason = vectorSide.reason
    // Vectors only help when there is something meaningful to embed.
    if (vectorSide.target && vectorSide.embedder && /[\p{L}\p{N}]/u.test(parsed.text)) {
      try {
        const vector = await vectorSide.embedder.embedQuery(parsed.text, signal)
        throwIfAborted(signal)
        const vectorHits = await vectorSide.target.store.search(vectorSide.target.table, vector, { limit: candidates, filter })
        lists.push({ retriever: 'vector', ids: vectorHits.map((hit) => hit.id) })
      } catch (error) {
        if (isAbortError(error) || signal?.aborted) throw error instanceof BrainError ? error : abortedError(error)
        mode = 'keyword'
        modeReason = `Vector search failed, so these are keyword results only: ${errorMessage(error)}`
      }
    } else if (mode === 'hybrid') {
      mode = 'keyword'
      modeReason = 'Nothing in the query to search by meaning.'
    }
    throwIfAborted(signal)

    let fused = fuseRankings(lists)
    const intent = orderIntent(parsed.text)
    if (intent) fused = this.putInDateOrder(intent, filter, fused, limit)
    // Fetch a few spares: a chunk deleted since the search, or outside the filter, is skipped.
    const wanted = fused.slice(0, limit + 10)
    const chunks = new Map(this.deps.meta.chunks.getMany(wanted.map((item) => item.id)).map((chunk) => [chunk.id, chunk]))
    const candidatesHits: SearchHit[] = []
    for (const item of wanted) {
      const chunk = chunks.get(item.id)
      if (!chunk || !matchesFilter(chunk, period, pathPrefix)) continue
      const snippet = keywordSnippets.get(item.id) ?? buildSnippet(chunk.text, terms)
      candidatesHits.push(toHit(chunk, item.score, item.retrievers, snippet))
    }
    // The better of two overlapping pieces keeps the shared lines; the other keeps only its own, or goes.
    const hits = withoutRepeatedLines(candidatesHits, (_hit, text) => ({ snippet: buildSnippet(text, terms) })).slice(0, limit)
    return result(hits, mode, modeReason)
  }

  /**
   * Notes most similar to the note at `path`, one hit (its best chunk) per other note. Uses the mean of the note's
   * chunk vectors; without vectors, a keyword search for the note's most frequent distinctive words.
   */
  async related(path: string, limit = 5, signal?: AbortSignal): Promise<SearchHit[]> {
    throwIfAborted(signal)
    const count = clampLimit(limit, 5)
    const own = this.deps.meta.chunks.forFile(path)
    if (own.length === 0) throw new BrainError('not-found', `${path} is not indexed.`, { details: { path } })

    const target = this.deps.vectors()
    if (target) {
      try {
        const vectors = await target.store.vectorsByIds(target.table, own.map((chunk) => chunk.id))
        throwIfAborted(signal)
        if (vectors.size > 0) {
          const centre = meanVector([...vectors.values()])
          const found = await target.store.search(target.table, centre, { limit: count * 8 + 20, excludePath: path })
          const foundChunks = new Map(this.deps.meta.chunks.getMany(found.map((hit) => hit.id)).map((chunk) => [chunk.id, chunk]))
          const best = new Map<string, { id: string; distance: number }>()
          for (const hit of found) {
            const chunk = foundChunks.get(hit.id)
            if (!chunk || chunk.path === path || best.has(chunk.path)) continue
            best.set(chunk.path, hit)
            if (best.size >= count) break
          }
          return [...best.values()].flatMap((hit) => {
            const chunk = foundChunks.get(hit.id)
            return chunk ? [toHit(chunk, 1 - hit.distance, ['vector'], buildSnippet(chunk.text, []))] : []
          })
        }
      } catch (error) {
        if (isAbortError(error) || signal?.aborted) throw error
        // Fall through to keywords: a related-notes panel should degrade, not fail.
      }
    }

    const terms = this.distinctiveTerms(own, 8)
    if (terms.length === 0) return []
    const ftsQuery = terms.map((term) => `"${term}"`).join(' OR ')
    const keywordHits = this.deps.meta.chunks.keywordSearch(ftsQuery, {}, count * 10 + 20)
    const chunks = new Map(this.deps.meta.chunks.getMany(keywordHits.map((hit) => hit.chunkId)).map((chunk) => [chunk.id, chunk]))
    const hits: SearchHit[] = []
    const seen = new Set<string>([path])
    for (const [index, hit] of keywordHits.entries()) {
      const chunk = chunks.get(hit.chunkId)
      if (!chunk || seen.has(chunk.path)) continue
      seen.add(chunk.path)
      hits.push(toHit(chunk, 1 / (RRF_K + index + 1), ['keyword'], hit.snippet))
      if (hits.length >= count) break
    }
    return hits
  }

  /**
   * "When did I first…": the chunks holding every topic word go first, in date order (earliest first, or latest
   * first for "last"), as many as the limit; relevance alone cannot tell the first mention from the tenth.
   */
  private putInDateOrder(intent: OrderIntent, filter: ChunkFilter, fused: FusedItem[], limit: number): FusedItem[] {
    const query = toFtsQuery(intent.topic, { requireAll: true })
    if (!query) return fused
    let found = this.deps.meta.chunks.keywordSearch(query, filter, DATE_ORDER_POOL)
    if (found.length === 0) {
      // A verb the notes do not use ("touched postgres"): fall back to the most specific word that matches.
      for (const tokens of searchTerms(intent.topic)) {
        const single = this.deps.meta.chunks.keywordSearch(`"${tokens.join(' ')}"`, filter, DATE_ORDER_POOL)
        if (single.length > 0 && (found.length === 0 || single.length < found.length)) found = single
      }
    }
    const matching = this.deps.meta.chunks.getMany(found.map((hit) => hit.chunkId))
    if (matching.length === 0) return fused
    const direction = intent.order === 'first' ? 1 : -1
    matching.sort((a, b) => direction * a.periodStart.localeCompare(b.periodStart) || a.path.localeCompare(b.path) || a.ordinal - b.ordinal)
    const lead = matching.slice(0, Math.max(DATE_ORDER_LEAD, limit))
    const top = fused[0]?.score ?? 0
    const leading: FusedItem[] = lead.map((chunk, index) => {
      const existing = fused.find((item) => item.id === chunk.id)
      return {
        id: chunk.id,
        score: top + 1 / (RRF_K + index + 1),
        retrievers: existing?.retrievers.includes('keyword') ? existing.retrievers : ['keyword', ...(existing?.retrievers ?? [])],
        ranks: existing?.ranks ?? { keyword: index },
      }
    })
    const leadIds = new Set(lead.map((chunk) => chunk.id))
    return [...leading, ...fused.filter((item) => !leadIds.has(item.id))]
  }

  /** The note's words weighted by tf-idf over the index: frequent in the note, rare elsewhere. */
  private distinctiveTerms(chunks: ChunkRecord[], count: number): string[] {
    const counts = [...noteTermCounts(chunks).entries()]
      .sort((a, b) => b[1] - a[1] || b[0].length - a[0].length || a[0].localeCompare(b[0]))
      .slice(0, RELATED_CANDIDATE_TERMS)
    const total = this.deps.meta.chunks.count()
    return counts
      .map(([word, frequency]) => {
        const documents = this.deps.meta.chunks.keywordSearch(`"${word}"`, {}, RELATED_DF_CAP).length
        return { word, weight: frequency * Math.log((total + 1) / (documents + 1)) }
      })
      .sort((a, b) => b.weight - a.weight || a.word.localeCompare(b.word))
      .slice(0, count)
      .map((entry) => entry.word)
  }

  /** The vector side, once a start the engine is still making (see `SearcherDeps.ready`) has settled. */
  private async readyVectorSide(signal?: AbortSignal): Promise<VectorSide> {
    const ready = this.deps.ready?.()
    if (ready) await untilAborted(ready, signal)
    return this.vectorSide()
  }

  private vectorSide(): VectorSide {
    const embedder = this.deps.embedder()
    const target = this.deps.vectors()
    if (!embedder) return { target, embedder, mode: 'keyword', reason: 'No embedding model is loaded, so these are keyword results only.' }
    if (!target) return { target, embedder, mode: 'keyword', reason: 'The vector index is not ready yet, so these are keyword results only.' }
    return { target, embedder, mode: 'hybrid', reason: null }
  }
}

function clampLimit(limit: number | undefined, fallback = DEFAULT_SEARCH_LIMIT): number {
  if (limit === undefined || !Number.isFinite(limit) || limit < 1) return fallback
  return Math.min(Math.floor(limit), MAX_SEARCH_LIMIT)
}

/**
 * The query's period within the explicit after/before options. The options are a caller's filter, so they win:
 * options that leave no day are dropped, and a query period outside them gives way to them, each with a warning.
 * The result never starts after it ends.
 */
function combinePeriods(parsed: QueryPeriod | null, parsedWarning: string | null, explicit: QueryPeriod | null): { period: QueryPeriod | null; warning: string | null } {
  const warnings = parsedWarning ? [parsedWarning] : []
  let options = explicit
  if (options && options.start > options.end) {
    warnings.push(`The after/before filter (${options.start} to ${options.end}) leaves no day, so it was not applied.`)
    options = null
  }
  let period = intersectPeriods(parsed, options)
  if (period && period.start > period.end) {
    warnings.push(`${parsed!.label} is outside the filter ${options!.label}, so only the filter was applied.`)
    period = options
  }
  return { period, warning: warnings.length > 0 ? warnings.join(' ') : null }
}

function explicitPeriod(options: SearchOptions): QueryPeriod | null {
  for (const [name, value] of [['after', options.after], ['before', options.before]] as const) {
    if (value !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
      throw new BrainError('invalid-input', `"${name}" must be an ISO date (YYYY-MM-DD), got ${value}.`, { details: { [name]: value } })
    }
  }
  return operatorPeriod(options.after ?? null, options.before ?? null)
}

/** Both folders must hold a hit: the more specific one when nested; `disjoint` when no path can be in both. */
function mergePrefixes(fromQuery: string | null, fromOptions: string | null): { prefix: string | null; disjoint: boolean } {
  if (!fromQuery || !fromOptions) return { prefix: fromQuery ?? fromOptions, disjoint: false }
  if (fromQuery.startsWith(fromOptions)) return { prefix: fromQuery, disjoint: false }
  if (fromOptions.startsWith(fromQuery)) return { prefix: fromOptions, disjoint: false }
  return { prefix: fromQuery, disjoint: true }
}

function matchesFilter(chunk: ChunkRecord, period: QueryPeriod | null, pathPrefix: string | null): boolean {
  if (period && !periodsOverlap(period, { start: chunk.periodStart, end: chunk.periodEnd })) return false
  return !pathPrefix || chunk.path.startsWith(pathPrefix)
}

function toHit(chunk: ChunkRecord, score: number, retrievers: Retriever[], snippet: string): SearchHit {
  return {
    chunkId: chunk.id,
    path: chunk.path,
    headingPath: chunk.headingPath,
    startLine: chunk.startLine,
    endLine: chunk.endLine,
    periodStart: chunk.periodStart,
    periodEnd: chunk.periodEnd,
    periodSource: chunk.periodSource,
    periodGuessed: chunk.periodInferred,
    title: chunk.title,
    score,
    snippet: withoutHeadingLine(snippet, chunk.headingPath),
    text: chunk.text,
    retrievers,
  }
}

function meanVector(vectors: Float32Array[]): Float32Array {
  const mean = new Float32Array(vectors[0].length)
  for (const vector of vectors) for (let index = 0; index < mean.length; index++) mean[index] += vector[index]
  const norm = Math.hypot(...mean) || 1
  for (let index = 0; index < mean.length; index++) mean[index] /= norm
  return mean
}

/** How many chunks of the note use each content word (no stopwords, template headings or numbers). */
export function noteTermCounts(chunks: ChunkRecord[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const chunk of chunks) {
    for (const tokens of searchTerms(chunk.text)) {
      if (tokens.length !== 1) continue
      const word = tokens[0]
      if (word.length < 3 || /^\d+$/.test(word) || TEMPLATE_WORDS.has(word)) continue
      counts.set(word, (counts.get(word) ?? 0) + 1)
    }
  }
  return counts
}
