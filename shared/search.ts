import type { Period, PeriodSource, QueryPeriod } from './period'

/** Marks around matched terms inside `SearchHit.snippet`. */
export const SNIPPET_MARK_START = '\u27e6'
export const SNIPPET_MARK_END = '\u27e7'

export type Retriever = 'keyword' | 'vector' | 'period'

export interface SearchOptions {
  /** Maximum hits (range questions may return more: every chunk in the range, up to `rangeLimit`). */
  limit?: number
  /** Explicit filters, same as the `after:` / `before:` / `in:` query operators. */
  after?: string
  before?: string
  pathPrefix?: string
  /** "Today" for relative time phrases, as an ISO date; defaults to the real today. Tests pin it. */
  today?: string
  /**
   * For a pure time question, `hits` holds every passage of the range (up to the range cap) instead of the best
   * passages of the first `limit` weeks. The answer pipeline sets it to summarise the whole range; `weeks` is the
   * same either way.
   */
  allPassages?: boolean
}

/** One week of a pure time question: its best passages, in note order. */
export interface WeekGroup {
  /** Monday to Sunday (ISO 8601). */
  period: Period
  /** The ISO week, "2020-W18". */
  label: string
  passages: SearchHit[]
  /** Passages of this week that matched but are not in `passages`. */
  morePassages: number
}

/** One retrieved passage, with everything needed to cite it. */
export interface SearchHit {
  chunkId: string
  /** Relative to the indexed folder, with forward slashes. */
  path: string
  headingPath: string[]
  /** 1-based, inclusive. */
  startLine: number
  endLine: number
  periodStart: string
  periodEnd: string
  // The three fields below are always set by the engine's searcher; optional so hand-built hits (tests, older
  // peers) stay valid.
  /** Where the passage's period came from: 'heading', 'heading-inherited', 'front-matter:<key>', 'file-name', 'title', 'mtime'. */
  periodSource?: PeriodSource
  /** True when the period is only the file's modification time: show "date guessed from file time". */
  periodGuessed?: boolean
  /** The note's title (front-matter `title`, else its title heading); null when it has none. */
  title?: string | null
  /** Fused score (reciprocal-rank fusion), higher is better. */
  score: number
  /** A short excerpt with matched terms between SNIPPET_MARK_START and SNIPPET_MARK_END. */
  snippet: string
  text: string
  retrievers: Retriever[]
}

export type SearchMode = 'hybrid' | 'keyword'

export interface SearchResult {
  query: string
  /** The text actually searched, after time phrases and operators were taken out. */
  searchedText: string
  period: QueryPeriod | null
  pathPrefix: string | null
  mode: SearchMode
  /** Why the search ran on keywords alone, when it did. */
  modeReason: string | null
  /**
   * True when the question was only a time range: `weeks` groups it by week (`limit` counts weeks) and `hits` are
   * those weeks' passages by date.
   */
  rangeOnly: boolean
  hits: SearchHit[]
  /** Why the time phrases were not (all) used as a filter, when they were not; the UI and CLI show it. */
  periodWarning?: string | null
  /** Pure time questions: one entry per week, in date order, at most `limit`; null otherwise. */
  weeks?: WeekGroup[] | null
  /** Pure time questions: weeks that matched beyond `weeks`. */
  moreWeeks?: number
  tookMs: number
}

/** Splits a snippet into plain and marked runs, for rendering. */
export function splitSnippet(snippet: string): Array<{ text: string; marked: boolean }> {
  const parts: Array<{ text: string; marked: boolean }> = []
  let rest = snippet
  while (rest.length > 0) {
    const start = rest.indexOf(SNIPPET_MARK_START)
    if (start === -1) {
      parts.push({ text: rest, marked: false })
      break
    }
    if (start > 0) parts.push({ text: rest.slice(0, start), marked: false })
    const end = rest.indexOf(SNIPPET_MARK_END, start + 1)
    if (end === -1) {
      parts.push({ text: rest.slice(start + 1), marked: true })
      break
    }
    parts.push({ text: rest.slice(start + 1, end), marked: true })
    rest = rest.slice(end + 1)
  }
  return parts
}

/** A week's heading, "2020-W18 (2020-04-27 to 2020-05-03)". */
export function weekGroupTitle(group: Pick<WeekGroup, 'label' | 'period'>): string {
  return `${group.label} (${group.period.start} to ${group.period.end})`
}
