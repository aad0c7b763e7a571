import type { NotePeriod, Period, PeriodSource } from '../../../shared/period'
import { addDays, monthFromName, parseIsoDate, toIsoDate, utcMsToIsoDate } from './calendar-date'
import { isoWeekLabelOf, isoWeekRange, isValidIsoWeek } from './iso-week'

/** What notePeriod looks at: the note's path, its parsed front matter, its first heading and its mtime. */
export interface NotePeriodInput {
  /** Relative to the watched folder, forward slashes. */
  relativePath: string
  frontMatter: Record<string, unknown> | null
  /** Text of the first heading, without the `#` marks. */
  firstHeading: string | null
  mtimeMs: number
}

/**
 * The period a note covers, tried in order: front matter, path, first heading, then the mtime's day
 * (`inferred: true`). Candidates that do not name a real day or ISO week fall through to the next.
 */
export function notePeriod(input: NotePeriodInput): NotePeriod & { label: string } {
  const title = typeof frontMatterValue(input.frontMatter, 'title') === 'string'
    ? String(frontMatterValue(input.frontMatter, 'title'))
    : null
  const pathIsWeekly = looksWeekly(input.relativePath)
  const titleIsWeekly = [title, input.firstHeading].some((text) => text !== null && looksWeekly(text))

  const found =
    withSource(periodFromFrontMatter(input.frontMatter, pathIsWeekly || titleIsWeekly), 'front-matter') ??
    withSource(periodFromPath(input.relativePath), 'file-name') ??
    withSource(
      input.firstHeading === null ? null : periodFromHeading(input.firstHeading, pathIsWeekly || titleIsWeekly),
      'heading',
    )
  if (found) return { ...found, label: periodLabel(found) }

  const day = utcMsToIsoDate(Number.isFinite(input.mtimeMs) ? input.mtimeMs : 0)
  const fallback: NotePeriod = { start: day, end: day, source: 'mtime', inferred: true }
  return { ...fallback, label: periodLabel(fallback) }
}

/** "2023-W14" for an exact ISO week, "2023-04-03" for one day, "2023-04-03..2023-04-09" otherwise. */
export function periodLabel(period: Period): string {
  if (period.start === period.end) return period.start
  return isoWeekLabelOf(period) ?? `${period.start}..${period.end}`
}

/**
 * The period a heading names on its own ("Week 14, 2023", "Week of 3 April 2023", "2023-W14",
 * "Weekly log 2023-04-03"), or null. A bare date is one day unless `weekly` or the heading says "week".
 */
export function periodFromHeading(heading: string, weekly = false): Period | null {
  const text = heading.replace(/[*_`]/g, ' ').replace(/\s+/g, ' ').trim()

  const weekOf = /\bweek\s+(?:of|starting|beginning|from)\s+(.+)$/i.exec(text)
  if (weekOf) {
    const start = findDateExpression(weekOf[1])
    if (start) return sevenDaysFrom(start)
  }
  for (const [pattern, yearGroup, weekGroup] of HEADING_WEEK_PATTERNS) {
    const match = pattern.exec(text)
    if (!match) continue
    const period = weekPeriod(Number(match[yearGroup]), Number(match[weekGroup]))
    if (period) return period
  }
  const date = findDateExpression(text)
  if (date) return weekly || looksWeekly(text) ? sevenDaysFrom(date) : { start: date, end: date }
  return null
}

// [pattern, year group, week group]
const HEADING_WEEK_PATTERNS: Array<[RegExp, number, number]> = [
  [/(?:^|[^0-9])(\d{4})[-\s]?W(\d{1,2})(?![0-9])/i, 1, 2],
  [/\bweek\s*(?:no\.?|number|#)?\s*(\d{1,2})\s*(?:,|of|-|\/)?\s*(\d{4})(?![0-9])/i, 2, 1],
  [/(?:^|[^0-9])(\d{4})\s*(?:,|-)?\s*week\s*(\d{1,2})(?![0-9])/i, 1, 2],
]

/** True when a path or title says the note covers a week ("week", "weekly", "W14"). */
export function looksWeekly(text: string): boolean {
  return /(?:^|[^a-z])week/i.test(text) || /(?:^|[^a-z0-9])w\d\d(?![0-9])/i.test(text)
}

function withSource(period: Period | null, source: PeriodSource): NotePeriod | null {
  return period ? { start: period.start, end: period.end, source, inferred: false } : null
}

function weekPeriod(year: number, week: number): Period | null {
  return isValidIsoWeek(year, week) ? isoWeekRange(year, week) : null
}

function sevenDaysFrom(start: string): Period {
  return { start, end: addDays(start, 6) }
}

function frontMatterValue(frontMatter: Record<string, unknown> | null, key: string): unknown {
  if (!frontMatter) return undefined
  if (key in frontMatter) return frontMatter[key]
  // Hand-written front matter is inconsistent about case ("Date:", "Week:").
  for (const [name, value] of Object.entries(frontMatter)) {
    if (name.toLowerCase() === key) return value
  }
  return undefined
}

function periodFromFrontMatter(frontMatter: Record<string, unknown> | null, weekly: boolean): Period | null {
  if (!frontMatter) return null

  const week = frontMatterValue(frontMatter, 'week')
  if (week !== undefined && week !== null) {
    const period = weekFromValue(week, frontMatterValue(frontMatter, 'year'))
    if (period) return period
  }

  for (const [startKey, endKey] of [['start', 'end'], ['from', 'to'], ['start_date', 'end_date']]) {
    const start = dateFromValue(frontMatterValue(frontMatter, startKey))
    const end = dateFromValue(frontMatterValue(frontMatter, endKey))
    if (start && end && start <= end) return { start, end }
  }

  const date = dateFromValue(frontMatterValue(frontMatter, 'date'))
  if (date) return weekly ? sevenDaysFrom(date) : { start: date, end: date }
  return null
}

function weekFromValue(week: unknown, year: unknown): Period | null {
  if (typeof week === 'string') {
    const match = /^\s*(\d{4})[-\s]?W(\d{1,2})\s*$/i.exec(week)
    if (match) return weekPeriod(Number(match[1]), Number(match[2]))
  }
  const weekNumber = typeof week === 'number' ? week : typeof week === 'string' ? numberIn(week.replace(/^\s*W/i, '')) : null
  const yearNumber = typeof year === 'number' ? year : typeof year === 'string' ? numberIn(year) : null
  if (weekNumber === null || yearNumber === null) return null
  return weekPeriod(yearNumber, weekNumber)
}

function numberIn(text: string): number | null {
  return /^\s*\d+\s*$/.test(text) ? Number(text) : null
}

/** An ISO date from a YAML value: "2023-04-03", "2023-04-03T10:00:00Z" or a Date (YAML 1.1 timestamps). */
function dateFromValue(value: unknown): string | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : utcMsToIsoDate(value.getTime())
  if (typeof value !== 'string') return null
  const match = /^\s*(\d{4}-\d{2}-\d{2})(?:$|[T\s])/.exec(value)
  return match ? parseIsoDate(match[1]) : null
}

function periodFromPath(relativePath: string): Period | null {
  const withoutExtension = relativePath.replace(/\.(?:md|markdown|mdown|mkd|txt)$/i, '')
  const segments = withoutExtension.split('/').filter((segment) => segment.length > 0)
  const base = segments[segments.length - 1] ?? ''
  const parent = segments[segments.length - 2] ?? ''
  const grandparent = segments[segments.length - 3] ?? ''
  // A "weekly/" folder makes its dated files weeks; a "W14/" folder of daily files does not.
  const weekly = looksWeekly(base) || segments.slice(0, -1).some((segment) => /(?:^|[^a-z])week/i.test(segment))

  // ISO weeks: "2023-W14", "2023w14", "2023-week-14", "week-14-2023", "W14-2023".
  const weekCandidates: Array<[number, number]> = []
  for (const match of base.matchAll(/(?:^|[^0-9])(\d{4})[-_ ]?(?:w|weeks?[-_ ]?)(\d{1,2})(?![0-9])/gi)) {
    weekCandidates.push([Number(match[1]), Number(match[2])])
  }
  for (const match of base.matchAll(/(?:^|[^a-z0-9])(?:w|weeks?[-_ ]?)(\d{1,2})[-_ ]+(\d{4})(?![0-9])/gi)) {
    weekCandidates.push([Number(match[2]), Number(match[1])])
  }
  // "2023/W14.md": the week in the file name, the year in the folder.
  const bareWeek = /^(?:w|weeks?[-_ ]?)(\d{1,2})$/i.exec(base)
  if (bareWeek && /^\d{4}$/.test(parent)) weekCandidates.push([Number(parent), Number(bareWeek[1])])
  for (const [year, week] of weekCandidates) {
    const period = weekPeriod(year, week)
    if (period) return period
  }

  for (const match of base.matchAll(/(?:^|[^0-9])(\d{4})-(\d{2})-(\d{2})(?![0-9])/g)) {
    const date = toIsoDate(Number(match[1]), Number(match[2]), Number(match[3]))
    if (date) return weekly ? sevenDaysFrom(date) : { start: date, end: date }
  }

  // "2023/04/03.md"
  if (/^\d{2}$/.test(base) && /^\d{2}$/.test(parent) && /^\d{4}$/.test(grandparent)) {
    const date = toIsoDate(Number(grandparent), Number(parent), Number(base))
    if (date) return { start: date, end: date }
  }
  return null
}

const DATE_EXPRESSIONS: Array<{ pattern: RegExp; build: (match: RegExpExecArray) => string | null }> = [
  {
    pattern: /(?:^|[^0-9])(\d{4})-(\d{1,2})-(\d{1,2})(?![0-9])/,
    build: (match) => toIsoDate(Number(match[1]), Number(match[2]), Number(match[3])),
  },
  {
    // "3 April 2023", "3rd of April, 2023"
    pattern: /(?:^|[^0-9])(\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?\s+([a-z]{3,9}\.?),?\s+(\d{4})(?![0-9])/i,
    build: (match) => dateFromParts(match[3], match[2], match[1]),
  },
  {
    // "April 3, 2023", "Apr 3rd 2023"
    pattern: /\b([a-z]{3,9}\.?)\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?![0-9])/i,
    build: (match) => dateFromParts(match[3], match[1], match[2]),
  },
]

function findDateExpression(text: string): string | null {
  for (const { pattern, build } of DATE_EXPRESSIONS) {
    const match = pattern.exec(text)
    if (!match) continue
    const date = build(match)
    if (date) return date
  }
  return null
}

function dateFromParts(year: string, monthName: string, day: string): string | null {
  const month = monthFromName(monthName)
  return month === null ? null : toIsoDate(Number(year), month, Number(day))
}
