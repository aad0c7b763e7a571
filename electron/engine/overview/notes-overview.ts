import type { NotesOverview, TimelineResult } from '../../../shared/notes-overview'
import type { Period } from '../../../shared/period'
import { utcMsToIsoDate } from '../dates/calendar-date'
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
  const db = meta.database
  const counts = db.prepare("SELECT count(*) AS files, coalesce(sum(chunk_count), 0) AS chunks FROM files WHERE status = 'indexed'").get() as { files: number; chunks: number }
  const span = db.prepare('SELECT min(period_start) AS start, max(period_end) AS end FROM chunks').get() as { start: string | null; end: string | null }
  const latest = db.prepare('SELECT period_start AS start, period_end AS end FROM chunks ORDER BY period_start DESC, period_end DESC LIMIT 1').get() as Period | undefined
  const months = db
    .prepare('SELECT substr(period_start, 1, 7) AS month, count(DISTINCT path) AS notes FROM chunks GROUP BY month ORDER BY notes DESC, month DESC LIMIT ?')
    .all(MAX_MONTHS) as Array<{ month: string; notes: number }>
  return {
    files: counts.files,
    chunks: counts.chunks,
    span: span.start && span.end ? { start: span.start, end: span.end } : null,
    latestPeriod: latest ?? null,
    busiestMonths: months.map((row) => row.month),
    recurringWords: recurringWords(meta),
  }
}

/**
 * Words that many notes share, as the notes spell them. Words mostly written with a capital are preferred (names of
 * projects, tools and people make good example questions); plain words fill in when a log has few of those.
 */
export function recurringWords(meta: MetaStore): string[] {
  const db = meta.database
  const total = (db.prepare('SELECT count(*) AS n FROM chunks').get() as { n: number }).n
  if (total === 0) return []
  const step = Math.max(1, Math.ceil(total / WORD_SAMPLE_CHUNKS))
  const rows = db.prepare('SELECT path, text FROM chunks WHERE seq % ? = 0').all(step) as Array<{ path: string; text: string }>
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
  const db = meta.database
  const parsed = parseQuery(String(query ?? ''), today)
  const span = db.prepare('SELECT min(period_start) AS start, max(period_end) AS end FROM chunks').get() as { start: string | null; end: string | null }
  const fts = isFillerOnly(parsed.text) ? null : toFtsQuery(parsed.text)
  const base = { query, searchedText: fts ? parsed.text : '', period: parsed.period ? { start: parsed.period.start, end: parsed.period.end } : null, span: span.start && span.end ? { start: span.start, end: span.end } : null }
  let rows: Array<{ start: string; end: string; count: number }>
  if (fts) {
    // toFtsQuery quotes every term, so the expression is always well formed.
    rows = db
      .prepare(
        `SELECT c.period_start AS start, c.period_end AS end, count(*) AS count FROM chunks_fts JOIN chunks c ON c.seq = chunks_fts.rowid
         WHERE chunks_fts MATCH ? GROUP BY c.period_start, c.period_end ORDER BY c.period_start, c.period_end`,
      )
      .all(fts) as typeof rows
  } else if (parsed.period) {
    rows = db.prepare('SELECT period_start AS start, period_end AS end, count(*) AS count FROM chunks GROUP BY period_start, period_end ORDER BY period_start, period_end').all() as typeof rows
  } else {
    rows = []
  }
  return { ...base, periods: rows, total: rows.reduce((sum, row) => sum + row.count, 0) }
}
