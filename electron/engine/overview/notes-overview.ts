import type { NotesOverview, TimelineResult } from '../../../shared/notes-overview'
import { utcMsToIsoDate } from '../../../shared/dates/calendar-date'
import { STOPWORDS, toFtsQuery } from '../retrieval/fts-query'
import { isFillerOnly, parseQuery } from '../retrieval/parse-query'
import type { MetaStore } from '../store/meta-store'

/** Chunks read to find recurring words: enough for a good guess, bounded so a 100k-chunk index answers quickly. */
const WORD_SAMPLE_CHUNKS = 4000
const MAX_WORDS = 8
const MAX_MONTHS = 12
/** Words that recur in every weekly log and say nothing about what the weeks were about. */
const CALENDAR_WORDS = new Set([
  'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday', 'january', 'february', 'march',
  'april', 'june', 'july', 'august', 'september', 'october', 'november', 'december', 'week', 'weeks', 'weekly',
  'weeknotes', 'today', 'tomorrow', 'yesterday', 'morning', 'evening', 'night', 'weekend', 'month', 'year',
])

/**
 * A summary of the indexed notes: counts, the span of dates, the newest note's period, the fullest months and words
 * that recur. Read straight from SQLite, so it is exact for what is indexed so far (the onboarding polls it).
 */
export function notesOverview(meta: MetaStore): NotesOverview {
  const counts = meta.summary.indexedCounts()
  return {
    files: counts.files,
    chunks: counts.chunks,
    span: meta.summary.span(),
    latestPeriod: meta.summary.latestPeriod(),
    busiestMonths: meta.summary.busiestMonths(MAX_MONTHS),
    recurringWords: recurringWords(meta),
  }
}

/**
 * Words that many notes share, as the notes spell them. Words mostly written with a capital are preferred (names of
 * projects, tools and people make good example questions); plain words fill in when a log has few of those.
 */
export function recurringWords(meta: MetaStore): string[] {
  const rows = meta.summary.sampleChunkTexts(WORD_SAMPLE_CHUNKS)
  if (rows.length === 0) return []
  const notes = new Set(rows.map((row) => row.path)).size
  const stats = new Map<string, { paths: Set<string>; capitalised: number; seen: number; spellings: Map<string, number> }>()
  for (const row of rows) {
    // Links (their text is mostly the linked page's title), URLs and template syntax are not words a person wrote
    // about their week.
    const prose = row.text.replace(/\[[^\]]*\]\([^)]*\)/g, ' ').replace(/https?:\/\/\S+/g, ' ').replace(/\{\{[^}]*\}\}|\{%[^%]*%\}/g, ' ').replace(/<[^>]+>/g, ' ')
    for (const match of prose.matchAll(/(?<![\p{L}\p{N}_])\p{L}[\p{L}\p{N}]{4,}(?![\p{L}\p{N}_])/gu)) {
      const word = match[0]
      const key = word.toLowerCase()
      if (STOPWORDS.has(key) || CALENDAR_WORDS.has(key)) continue
      let entry = stats.get(key)
      if (!entry) {
        entry = { paths: new Set(), capitalised: 0, seen: 0, spellings: new Map() }
        stats.set(key, entry)
      }
      entry.paths.add(row.path)
      entry.seen += 1
      // A capital that starts a sentence, a line, a list item or a quote is grammar, not a name.
      const at = match.index ?? 0
      const before = prose.slice(Math.max(0, at - 3), at)
      if (/^\p{Lu}/u.test(word) && at > 0 && !/(?:^|[.!?:#>*|\-]|\n)\s*$/.test(before)) entry.capitalised += 1
      entry.spellings.set(word, (entry.spellings.get(word) ?? 0) + 1)
    }
  }
  const minNotes = Math.max(2, Math.ceil(notes * 0.03))
  const maxNotes = Math.max(minNotes, Math.floor(notes * 0.7))
  const candidates = [...stats.entries()].filter(([, entry]) => entry.paths.size >= minNotes && entry.paths.size <= maxNotes)
  const spelling = (entry: { spellings: Map<string, number> }) => [...entry.spellings.entries()].sort((a, b) => b[1] - a[1])[0][0]
  const names = candidates.filter(([, entry]) => entry.capitalised / entry.seen >= 0.6)
  const rank = (list: typeof candidates) => list.sort((a, b) => b[1].paths.size - a[1].paths.size || a[0].localeCompare(b[0]))
  const chosen = rank(names).slice(0, MAX_WORDS)
  if (chosen.length < MAX_WORDS) {
    const taken = new Set(chosen.map(([key]) => key))
    chosen.push(...rank(candidates.filter(([key, entry]) => !taken.has(key) && key.length >= 6 && entry.paths.size >= minNotes)).slice(0, MAX_WORDS - chosen.length))
  }
  return chosen.map(([, entry]) => spelling(entry))
}

/**
 * Keyword matches per note period for a query, across every note (a period in the query is returned to be marked,
 * not used as a filter, so the chart shows where else the topic appears). A query that is only a period counts
 * every passage, which shows how full each week is.
 */
export function searchTimeline(meta: MetaStore, query: string, today: string = utcMsToIsoDate(Date.now())): TimelineResult {
  const parsed = parseQuery(String(query ?? ''), today)
  const span = meta.summary.span()
  const fts = isFillerOnly(parsed.text) ? null : toFtsQuery(parsed.text)
  const base = { query, searchedText: fts ? parsed.text : '', period: parsed.period ? { start: parsed.period.start, end: parsed.period.end } : null, span }
  // toFtsQuery quotes every term, so the expression is always well formed.
  const rows = fts ? meta.summary.keywordCountsByPeriod(fts) : parsed.period ? meta.summary.chunkCountsByPeriod() : []
  return { ...base, periods: rows, total: rows.reduce((sum, row) => sum + row.count, 0) }
}
