import type { Period } from './period'

/** What the indexed notes hold, for the onboarding summary and example prompts built from the user's own notes. */
export interface NotesOverview {
  files: number
  chunks: number
  /** The first and last day any note covers; null before anything is indexed. */
  span: Period | null
  /** The period of the newest note ("the latest week present"). */
  latestPeriod: Period | null
  /** Months with notes, as YYYY-MM, the fullest first (at most 12). */
  busiestMonths: string[]
  /** Words that recur across many notes, most widespread first (at most 8), as written in the notes. */
  recurringWords: string[]
}

/** Matching passages per note period, for the timeline bar chart of a search or question. */
export interface TimelineResult {
  query: string
  /** The text searched after time phrases were taken out; empty when the query was only a period. */
  searchedText: string
  /** The period the query asked for, if any (the chart still spans every note, with that range marked). */
  period: Period | null
  /** The first and last day of all notes: the chart's x axis. */
  span: Period | null
  /** One entry per distinct note period with at least one matching passage, by date. */
  periods: Array<{ start: string; end: string; count: number }>
  /** Matching passages counted (keyword matches; vectors match everything, so they are not counted). */
  total: number
}

/** The section of a note around a passage (the passages under the same heading), for the source panel. */
export interface NoteSection {
  path: string
  headingPath: string[]
  periodStart: string
  periodEnd: string
  /** In line order; `isPassage` marks the one asked about. */
  passages: Array<{ startLine: number; endLine: number; text: string; isPassage: boolean }>
}
