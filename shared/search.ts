import type { PeriodSource, QueryPeriod } from './period'

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
  /** True when the question was only a time range: hits are every chunk in it, by date. */
  rangeOnly: boolean
  hits: SearchHit[]
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
