/** An inclusive range of calendar days, as ISO dates (YYYY-MM-DD). */
export interface Period {
  start: string
  end: string
}

/** Where a note's period came from, in the order they are tried. */
export type PeriodSource = 'front-matter' | 'file-name' | 'heading' | 'mtime'

/** The period a note covers, with its provenance. `inferred` is true only for the mtime fallback. */
export interface NotePeriod extends Period {
  source: PeriodSource
  inferred: boolean
}

/** A period the search understood from the query, with a label for the UI chip ("March 2023"). */
export interface QueryPeriod extends Period {
  label: string
}

/** True when two inclusive ISO-date ranges share at least one day. */
export function periodsOverlap(a: Period, b: Period): boolean {
  return a.start <= b.end && b.start <= a.end
}
