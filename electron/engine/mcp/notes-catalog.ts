import { BrainError } from '../../../shared/errors'
import { periodsOverlap, type NotePeriod, type Period, type QueryPeriod } from '../../../shared/period'
import type { SearchHit } from '../../../shared/search'
import { formatIsoWeek, isoWeekOf, isoWeekRange } from '../../../shared/dates/iso-week'
import { parseQuery } from '../retrieval/parse-query'
import { monthLabel, monthRange } from '../../../shared/dates/calendar-date'
import type { FileRecord } from '../store/types'

/** One note of the index as listed to an MCP client. */
export interface CatalogNote {
  path: string
  label: string
  period: NotePeriod
  /** The note's section headings, in order, nested ones as "Done > Infra". */
  headings: string[]
}

/** The notes of one ISO week (a note belongs to the week its period starts in). */
export interface CatalogWeek {
  week: string
  start: string
  end: string
  notes: CatalogNote[]
}

export type TimelineGranularity = 'week' | 'month'

/** How many search matches fell in one week or month. */
export interface TimelineBucket {
  /** "2023-W14" or "2023-03". */
  key: string
  label: string
  start: string
  end: string
  matches: number
  /** The matching notes, with how many of the matches each holds. */
  notes: Array<{ path: string; matches: number }>
}

/**
 * Reads a period the way the search does ("March 2023", "Q2 2024", "2024-W14", "last week"): an MCP client
 * passes the same phrases a user types. Anything else is an invalid-input error, never a silent "all time".
 */
export function parsePeriodPhrase(phrase: string, today: string): QueryPeriod {
  const parsed = parseQuery(phrase, today)
  if (!parsed.period) {
    throw new BrainError('invalid-input', `Could not understand the period "${phrase}". Try "March 2023", "Q2 2024", "2024-W14", "last week" or "after:2023-01-01 before:2023-04-01".`, {
      details: { period: phrase },
    })
  }
  return parsed.period
}

/** Indexed notes whose period overlaps `period` (all when null), grouped by ISO week, oldest first. */
export function weeksOf(files: readonly FileRecord[], period: Period | null, headingsOf: (path: string) => string[]): CatalogWeek[] {
  const weeks = new Map<string, CatalogWeek>()
  for (const file of files) {
    if (file.status === 'failed' || !file.period) continue
    if (period && !periodsOverlap(file.period, period)) continue
    const { year, week } = isoWeekOf(file.period.start)
    const key = formatIsoWeek(year, week)
    let entry = weeks.get(key)
    if (!entry) {
      entry = { week: key, ...isoWeekRange(year, week), notes: [] }
      weeks.set(key, entry)
    }
    entry.notes.push({ path: file.path, label: file.label ?? key, period: file.period, headings: headingsOf(file.path) })
  }
  const sorted = [...weeks.values()].sort((a, b) => a.start.localeCompare(b.start))
  for (const week of sorted) week.notes.sort((a, b) => a.period.start.localeCompare(b.period.start) || a.path.localeCompare(b.path))
  return sorted
}

/** The distinct section headings of a note's chunks (the first heading-path element is the note's label). */
export function headingsFromPaths(headingPaths: readonly string[][]): string[] {
  const seen = new Set<string>()
  for (const headingPath of headingPaths) {
    const heading = headingPath.slice(1).join(' > ')
    if (heading) seen.add(heading)
  }
  return [...seen]
}

/** Groups search hits by the week or month each passage's period starts in, oldest first. */
export function timelineOf(hits: readonly SearchHit[], granularity: TimelineGranularity): TimelineBucket[] {
  const buckets = new Map<string, TimelineBucket & { byNote: Map<string, number> }>()
  for (const hit of hits) {
    const bucket = bucketOf(hit.periodStart, granularity)
    let entry = buckets.get(bucket.key)
    if (!entry) {
      entry = { ...bucket, matches: 0, notes: [], byNote: new Map() }
      buckets.set(bucket.key, entry)
    }
    entry.matches += 1
    entry.byNote.set(hit.path, (entry.byNote.get(hit.path) ?? 0) + 1)
  }
  return [...buckets.values()]
    .sort((a, b) => a.start.localeCompare(b.start))
    .map(({ byNote, ...bucket }) => ({ ...bucket, notes: [...byNote].map(([path, matches]) => ({ path, matches })).sort((a, b) => b.matches - a.matches || a.path.localeCompare(b.path)) }))
}

function bucketOf(isoDate: string, granularity: TimelineGranularity): Omit<TimelineBucket, 'matches' | 'notes'> {
  if (granularity === 'week') {
    const { year, week } = isoWeekOf(isoDate)
    const key = formatIsoWeek(year, week)
    return { key, label: key, ...isoWeekRange(year, week) }
  }
  const year = Number(isoDate.slice(0, 4))
  const month = Number(isoDate.slice(5, 7))
  return { key: isoDate.slice(0, 7), label: monthLabel(year, month), ...monthRange(year, month) }
}
