/** An inclusive range of calendar days, as ISO dates (YYYY-MM-DD). */
export interface Period {
  start: string
  end: string
}

/**
 * Where a period came from, most specific first: a date in the section's own heading ('heading'), or one it
 * inherits from the dated heading before it ('heading-inherited'); a front-matter key ('front-matter:week_ending');
 * the file name or its folders ('file-name'); the note's title ('title'); the file's modification time ('mtime',
 * a guess).
 */
export type PeriodSource = 'heading' | 'heading-inherited' | `front-matter:${string}` | 'file-name' | 'title' | 'mtime'

/** The period a note or section covers, with its provenance. `inferred` is true only for the mtime fallback. */
export interface NotePeriod extends Period {
  source: PeriodSource
  inferred: boolean
}

/** What the one date of a weekly note stands for; the `indexing.weekDateMeans` setting. */
export const WEEK_DATE_MEANINGS = ['containing-iso-week', 'week-start', 'week-end'] as const
export type WeekDateMeans = (typeof WEEK_DATE_MEANINGS)[number]

/** A period the search understood from the query, with a label for the UI chip ("March 2023"). */
export interface QueryPeriod extends Period {
  label: string
}

/** True when two inclusive ISO-date ranges share at least one day. */
export function periodsOverlap(a: Period, b: Period): boolean {
  return a.start <= b.end && b.start <= a.end
}

/** Collapses a source to its family for counting ("front-matter:week_ending" -> "front-matter"). */
export function periodSourceFamily(source: PeriodSource): 'heading' | 'front-matter' | 'file-name' | 'title' | 'mtime' {
  if (source === 'heading-inherited') return 'heading'
  if (source.startsWith('front-matter')) return 'front-matter'
  return source as 'heading' | 'file-name' | 'title' | 'mtime'
}

/**
 * The four coarse sources the sync protocol (v1) knows. A title used to be read as the note's first heading, so it
 * travels as 'heading'.
 */
export function coarsePeriodSource(source: PeriodSource): 'front-matter' | 'file-name' | 'heading' | 'mtime' {
  const family = periodSourceFamily(source)
  return family === 'title' ? 'heading' : family
}
