import type { NotePeriod, Period, PeriodSource, WeekDateMeans } from '../../../shared/period'
import { addDays, parseIsoDate, toIsoDate, utcMsToIsoDate } from '../../../shared/dates/calendar-date'
import {
  findDate,
  findDateRange,
  findFullDate,
  findIsoWeek,
  findMonth,
  isoWeekPeriod,
  monthPeriod,
  weekAround,
} from './date-expressions'
import { isoWeekLabelOf } from '../../../shared/dates/iso-week'
import { monthFromName } from '../../../shared/dates/calendar-date'

/** What notePeriod looks at: the note's path, its parsed front matter, its title heading and its mtime. */
export interface NotePeriodInput {
  /** Relative to the watched folder, forward slashes. */
  relativePath: string
  frontMatter: Record<string, unknown> | null
  /** Text of the note's title heading (its first heading), without the `#` marks; null when there is none. */
  firstHeading: string | null
  mtimeMs: number
  /** What the one date of a weekly note means; default 'containing-iso-week'. */
  weekDateMeans?: WeekDateMeans
}

/**
 * The period a whole note covers. Tried in this order, the first that names a real day wins:
 * 1. front-matter period keys: `week_ending` (and `week-ending`, `weekEnding`: the seven days ending on it),
 *    `week_starting` / `week_beginning` / `week_commencing` (seven days from it), `week` ("2023-W14", or a number
 *    with `year`), `period` ("2023-W14", "2023-04", "2023-04-03..2023-04-09", a date), `start`+`end`, `from`+`to`;
 * 2. a range stated in the title or a description key ("Week Notes for May 12-18, 2025");
 * 3. front-matter dates: `date`, then `published` (`publish_date`, `pubDate`), then `created`;
 * 4. the file name and its folders: `2023-W14`, `2023-04-03`, `2023_04_03`, `20230403`, `05-May-2020`,
 *    `May-2020` / `2020-05` (a month), `2023/04/03.md`, `2023/W14.md`, `2025/2025-20.md` in a weekly folder;
 * 5. the title (front-matter `title`, else the first heading): "Week 14, 2024", "w/c 2 March 2020",
 *    "Weeknotes 10/03/2023" (day first), "Notes for 3 April 2023";
 * 6. the file's mtime, flagged `inferred` ("date guessed from file time").
 * A single date of a weekly note (its path, title or front matter say "week", "weeknotes", "sprint") stands for
 * a week, chosen by `weekDateMeans`: by default the ISO week (Monday to Sunday) that contains it, because weekly
 * notes are dated on their last working day or on the Sunday that ends them far more often than on their first
 * day, and the ISO week holding a Friday, a Sunday or a Monday date is the week the note is about in all three.
 */
export function notePeriod(input: NotePeriodInput): NotePeriod & { label: string } {
  const means = input.weekDateMeans ?? 'containing-iso-week'
  const frontMatter = input.frontMatter
  const title = stringValue(frontMatterValue(frontMatter, 'title'))
  const titles = [title, input.firstHeading].filter((text): text is string => text !== null && !isTemplateOnly(text))
  const weekly = looksWeekly(input.relativePath) || titles.some(looksWeekly) || hasWeekKey(frontMatter)
  const pathYear = yearInPath(input.relativePath)

  const found =
    periodFromFrontMatterKeys(frontMatter) ??
    statedRange(frontMatter, titles, pathYear) ??
    periodFromFrontMatterDates(frontMatter, weekly, means) ??
    withSource(periodFromPath(input.relativePath, means), 'file-name') ??
    periodFromTitles(titles, weekly, means, pathYear ?? yearOfMs(input.mtimeMs))
  if (found) return { ...found, label: periodLabel(found) }

  const day = utcMsToIsoDate(Number.isFinite(input.mtimeMs) ? input.mtimeMs : 0)
  const fallback: NotePeriod = { start: day, end: day, source: 'mtime', inferred: true }
  return { ...fallback, label: periodLabel(fallback) }
}

/** "2023-W14" for an exact ISO week, "2023-04-03" for one day, "2023-04-03..2023-04-09" otherwise. */
export function periodLabel(period: Period): string {
  if (period.start === period.end) return period.start
  const week = isoWeekLabelOf(period)
  if (week) return week
  const month = monthLabelOf(period)
  return month ?? `${period.start}..${period.end}`
}

function monthLabelOf(period: Period): string | null {
  const [year, month] = period.start.split('-').map(Number)
  const whole = monthPeriod(year, month)
  return whole && whole.start === period.start && whole.end === period.end ? period.start.slice(0, 7) : null
}

/**
 * The period a title or heading names on its own ("Week 14, 2023", "Week of 3 April 2023", "w/c 2 March 2020",
 * "2023-W14", "Weekly log 2023-04-03"), or null. A bare date is one day unless `weekly` or the text says "week";
 * `year` fills in a date written without one.
 */
export function periodFromHeading(
  heading: string,
  weekly = false,
  means: WeekDateMeans = 'containing-iso-week',
  year: number | null = null,
): Period | null {
  const text = heading.replace(/[*_`]/g, ' ').replace(/\s+/g, ' ').trim()
  const yearFor = year === null ? null : () => year

  // "Week of 3 April", "w/c 2 March", "week commencing", "week starting": the seven days from that date.
  const weekOf = /\b(?:week\s+(?:of|starting|beginning|commencing|from)|w\/c|wc|w\.c\.)\s*:?\s*(.+)$/i.exec(text)
  if (weekOf) {
    const start = findDate(weekOf[1], yearFor)
    if (start) return { start: start.date, end: addDays(start.date, 6) }
  }
  const weekEnding = /\b(?:week\s+ending|w\/e)\s*:?\s*(.+)$/i.exec(text)
  if (weekEnding) {
    const end = findDate(weekEnding[1], yearFor)
    if (end) return { start: addDays(end.date, -6), end: end.date }
  }
  const range = findDateRange(text, year)
  if (range) return range
  const week = findIsoWeek(text, null)
  if (week) return week
  const date = findDate(text, yearFor)
  if (date) return weekly || looksWeekly(text) ? weekAround(date.date, means) : { start: date.date, end: date.date }
  const month = findMonth(text, null)
  if (month) return month
  // "Week 14" with the year from the path.
  return year !== null && looksWeekly(text) ? findIsoWeek(text, year) : null
}

/** True when a path or title says the note covers a week ("week", "weekly", "weeknotes", "W14", "sprint"). */
export function looksWeekly(text: string): boolean {
  return /(?:^|[^a-z])(?:week|sprint)/i.test(text) || /(?:^|[^a-z0-9])w\d\d(?![0-9])/i.test(text)
}

/** A title that is only template syntax ("{{ title }}") says nothing about the note. */
function isTemplateOnly(text: string): boolean {
  return text.replace(/\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}|\{#[\s\S]*?#\}/g, '').trim() === ''
}

function withSource(period: Period | null, source: PeriodSource): NotePeriod | null {
  return period ? { start: period.start, end: period.end, source, inferred: false } : null
}

const WEEK_ENDING_KEYS = ['week_ending', 'week-ending', 'weekending', 'week_end', 'weekend_date']
const WEEK_STARTING_KEYS = ['week_starting', 'week-starting', 'weekstarting', 'week_beginning', 'week-beginning', 'weekbeginning', 'week_commencing', 'week-commencing', 'weekcommencing', 'week_start', 'week-start', 'weekstart']
const DESCRIPTION_KEYS = ['description', 'meta_description', 'summary', 'subtitle', 'excerpt']
const DATE_KEYS: Array<[string, string[]]> = [
  ['date', ['date']],
  ['published', ['published', 'publish_date', 'published_at', 'pubdate', 'publishdate', 'published_on']],
  ['created', ['created', 'created_at', 'creation_date', 'created_on', 'createdat']],
]

function hasWeekKey(frontMatter: Record<string, unknown> | null): boolean {
  if (!frontMatter) return false
  return [...WEEK_ENDING_KEYS, ...WEEK_STARTING_KEYS, 'week'].some((key) => findKey(frontMatter, key) !== null)
}

/** Hand-written front matter is inconsistent about case and separators ("Date:", "weekEnding", "week-ending"). */
function findKey(frontMatter: Record<string, unknown> | null, key: string): { name: string; value: unknown } | null {
  if (!frontMatter) return null
  if (key in frontMatter && frontMatter[key] !== null && frontMatter[key] !== undefined) return { name: key, value: frontMatter[key] }
  const wanted = key.toLowerCase()
  for (const [name, value] of Object.entries(frontMatter)) {
    if (value !== null && value !== undefined && name.toLowerCase() === wanted) return { name, value }
  }
  return null
}

function frontMatterValue(frontMatter: Record<string, unknown> | null, key: string): unknown {
  return findKey(frontMatter, key)?.value
}

function stringValue(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null
}

function fromKey(name: string, period: Period | null): NotePeriod | null {
  return withSource(period, `front-matter:${canonicalKey(name)}`)
}

/** "weekEnding" and "week-ending" are reported as "week_ending", so provenance counts do not split by spelling. */
function canonicalKey(name: string): string {
  return name
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .replace(/-/g, '_')
    .toLowerCase()
}

function periodFromFrontMatterKeys(frontMatter: Record<string, unknown> | null): NotePeriod | null {
  if (!frontMatter) return null
  for (const key of WEEK_ENDING_KEYS) {
    const found = findKey(frontMatter, key)
    const date = found ? dateFromValue(found.value) : null
    if (found && date) return fromKey(found.name, { start: addDays(date, -6), end: date })
  }
  for (const key of WEEK_STARTING_KEYS) {
    const found = findKey(frontMatter, key)
    const date = found ? dateFromValue(found.value) : null
    if (found && date) return fromKey(found.name, { start: date, end: addDays(date, 6) })
  }
  const week = findKey(frontMatter, 'week')
  if (week) {
    const period = weekFromValue(week.value, frontMatterValue(frontMatter, 'year'))
    if (period) return fromKey(week.name, period)
  }
  const period = findKey(frontMatter, 'period')
  if (period) {
    const parsed = periodFromValue(period.value)
    if (parsed) return fromKey(period.name, parsed)
  }
  for (const [startKey, endKey] of [['start', 'end'], ['from', 'to'], ['start_date', 'end_date'], ['startDate', 'endDate']]) {
    const start = dateFromValue(frontMatterValue(frontMatter, startKey))
    const end = dateFromValue(frontMatterValue(frontMatter, endKey))
    if (start && end && start <= end) return fromKey(findKey(frontMatter, startKey)!.name, { start, end })
  }
  return null
}

/** A stated day range in the title or a description ("Week Notes for May 12-18, 2025") beats a publication date. */
function statedRange(frontMatter: Record<string, unknown> | null, titles: string[], pathYear: number | null): NotePeriod | null {
  const year = pathYear ?? yearOfDate(dateFromValue(frontMatterValue(frontMatter, 'date')))
  for (const key of DESCRIPTION_KEYS) {
    const found = findKey(frontMatter, key)
    const text = found ? stringValue(found.value) : null
    const range = text ? findDateRange(text, year) : null
    if (found && range) return fromKey(found.name, range)
  }
  for (const text of titles) {
    const range = findDateRange(text, year)
    if (range) return withSource(range, 'title')
  }
  return null
}

function periodFromFrontMatterDates(frontMatter: Record<string, unknown> | null, weekly: boolean, means: WeekDateMeans): NotePeriod | null {
  if (!frontMatter) return null
  for (const [, keys] of DATE_KEYS) {
    for (const key of keys) {
      const found = findKey(frontMatter, key)
      const date = found ? dateFromValue(found.value) : null
      if (found && date) return fromKey(found.name, weekly ? weekAround(date, means) : { start: date, end: date })
    }
  }
  return null
}

function periodFromTitles(titles: string[], weekly: boolean, means: WeekDateMeans, year: number | null): NotePeriod | null {
  for (const text of titles) {
    const period = periodFromHeading(text, weekly, means, null) ?? (year === null ? null : periodFromHeading(text, weekly, means, year))
    if (period) return withSource(period, 'title')
  }
  return null
}

function weekFromValue(week: unknown, year: unknown): Period | null {
  if (typeof week === 'string') {
    const match = /^\s*(\d{4})[-\s]?W(\d{1,2})\s*$/i.exec(week)
    if (match) return isoWeekPeriod(Number(match[1]), Number(match[2]))
  }
  const weekNumber = typeof week === 'number' ? week : typeof week === 'string' ? numberIn(week.replace(/^\s*W/i, '')) : null
  const yearNumber = typeof year === 'number' ? year : typeof year === 'string' ? numberIn(year) : null
  if (weekNumber === null || yearNumber === null) return null
  return isoWeekPeriod(yearNumber, weekNumber)
}

/** `period:` as an ISO week, a month, a date range or one date. */
function periodFromValue(value: unknown): Period | null {
  const date = dateFromValue(value)
  if (typeof value !== 'string') return date ? { start: date, end: date } : null
  const range = /^\s*(\d{4}-\d{2}-\d{2})\s*(?:\.\.|\/|–|—|\s-\s|\sto\s)\s*(\d{4}-\d{2}-\d{2})\s*$/i.exec(value)
  if (range) {
    const start = parseIsoDate(range[1])
    const end = parseIsoDate(range[2])
    if (start && end && start <= end) return { start, end }
  }
  const week = /^\s*(\d{4})-?W(\d{1,2})\s*$/i.exec(value)
  if (week) return isoWeekPeriod(Number(week[1]), Number(week[2]))
  if (date) return { start: date, end: date }
  const month = findMonth(value.trim(), null)
  if (month && /^\s*(?:\d{4}-\d{2}|[a-z]+\.?,?\s+\d{4})\s*$/i.test(value)) return month
  return null
}

function numberIn(text: string): number | null {
  return /^\s*\d+\s*$/.test(text) ? Number(text) : null
}

/** An ISO date from a YAML value: "2023-04-03", "2023-04-03T10:00:00Z", "2023-04-03 10:00" or a Date. */
export function dateFromValue(value: unknown): string | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : utcMsToIsoDate(value.getTime())
  if (typeof value !== 'string') return null
  const match = /^\s*["']?(\d{4}-\d{2}-\d{2})(?:$|["'T\s])/.exec(value)
  return match ? parseIsoDate(match[1]) : null
}

function yearOfDate(date: string | null): number | null {
  return date ? Number(date.slice(0, 4)) : null
}

function yearOfMs(ms: number): number | null {
  return Number.isFinite(ms) && ms > 0 ? Number(utcMsToIsoDate(ms).slice(0, 4)) : null
}

/** The nearest folder named like a year ("2020/05-May-2020.md" -> 2020). */
function yearInPath(relativePath: string): number | null {
  const segments = relativePath.split('/').slice(0, -1).reverse()
  for (const segment of segments) {
    if (/^(?:19|20|21)\d{2}$/.test(segment)) return Number(segment)
  }
  return null
}

function periodFromPath(relativePath: string, means: WeekDateMeans): Period | null {
  const withoutExtension = relativePath.replace(/\.(?:md|markdown|mdown|mkd|txt)$/i, '')
  const segments = withoutExtension.split('/').filter((segment) => segment.length > 0)
  const base = segments[segments.length - 1] ?? ''
  const parent = segments[segments.length - 2] ?? ''
  const grandparent = segments[segments.length - 3] ?? ''
  // A "weekly/" or "weeknotes/" folder makes its dated files weeks; a "W14/" folder of daily files does not.
  const weeklyFolder = segments.slice(0, -1).some((segment) => /(?:^|[^a-z])(?:week|sprint)/i.test(segment))
  const weekly = looksWeekly(base) || weeklyFolder || (/^\d{4}$/.test(base) && looksWeekly(grandparent))

  // ISO weeks: "2023-W14", "2023w14", "2023-week-14", "week-14-2023", "W14-2023".
  const weekCandidates: Array<[number, number]> = []
  for (const match of base.matchAll(/(?:^|[^0-9])(\d{4})[-_ ]?(?:w|weeks?[-_ ]?)(\d{1,2})(?![0-9])/gi)) {
    weekCandidates.push([Number(match[1]), Number(match[2])])
  }
  for (const match of base.matchAll(/(?:^|[^a-z0-9])(?:w|weeks?[-_ ]?)(\d{1,2})[-_ ]+(\d{4})(?![0-9])/gi)) {
    weekCandidates.push([Number(match[2]), Number(match[1])])
  }
  // "2023/W14.md", "2024/week-34.md", "2024/weeknotes-12.md": the week in the file name, the year in the folder.
  const bareWeek = /^(?:w|week[-_ ]?notes?[-_ ]?|weeks?[-_ ]?)(\d{1,2})$/i.exec(base)
  if (bareWeek && /^\d{4}$/.test(parent)) weekCandidates.push([Number(parent), Number(bareWeek[1])])
  for (const [year, week] of weekCandidates) {
    const period = isoWeekPeriod(year, week)
    if (period) return period
  }

  // "05-May-2020.md": a month number before its own name is a sorting prefix, so the file is the month's log.
  const sortedMonth = /^(\d{1,2})[-_ ]([a-z]{3,9})[-_ ](\d{4})$/i.exec(base)
  if (sortedMonth && Number(sortedMonth[1]) === monthFromName(sortedMonth[2])) {
    return monthPeriod(Number(sortedMonth[3]), Number(sortedMonth[1]))
  }
  // A full date anywhere in the file name: 2023-04-03, 2023_04_03, 20230403, 03-Apr-2023, "2025-06-20 week-notes";
  // or a title used as a path, whose slashes made folders ("Weeknotes 20/01/2023").
  const date = findFullDate(base) ?? (/^\d{4}$/.test(base) ? findFullDate(segments.slice(-3).join('/')) : null)
  if (date) return weekly ? weekAround(date.date, means) : { start: date.date, end: date.date }

  // "2023/04/03.md"
  if (/^\d{1,2}$/.test(base) && /^\d{1,2}$/.test(parent) && /^\d{4}$/.test(grandparent)) {
    const day = toIsoDate(Number(grandparent), Number(parent), Number(base))
    if (day) return { start: day, end: day }
  }
  // "2025-20.md" in a weekly folder, or any "YYYY-NN" whose NN cannot be a month: an ISO week.
  const yearNumber = /^(\d{4})[-_](\d{1,2})$/.exec(base)
  if (yearNumber && (weekly || Number(yearNumber[2]) > 12)) {
    const period = isoWeekPeriod(Number(yearNumber[1]), Number(yearNumber[2]))
    if (period) return period
  }
  // Monthly files: "2020-05.md", "05-May-2020.md", "May-2020.md", "2020/05-May.md", "2020/May.md", "2020/05/notes.md".
  const month = findMonth(base.replace(/[_]/g, '-'), null)
  if (month) return month
  if (/^\d{4}$/.test(parent)) {
    const monthName = /(?:^|[^a-z])([a-z]{3,9})(?![a-z])/i.exec(base)
    const named = monthName ? monthFromName(monthName[1]) : null
    if (named !== null) return monthPeriod(Number(parent), named)
    const numbered = /^(\d{1,2})(?:$|[-_ ])/.exec(base)
    if (numbered) {
      const period = monthPeriod(Number(parent), Number(numbered[1]))
      if (period) return period
    }
  }
  if (/^\d{1,2}$/.test(parent) && /^\d{4}$/.test(grandparent)) {
    const period = monthPeriod(Number(grandparent), Number(parent))
    if (period) return period
  }
  // A yearly file: "2023.md", "log-2023.md".
  const yearOnly = /^(?:[a-z]+[-_ ])?((?:19|20|21)\d{2})$/i.exec(base)
  if (yearOnly) return { start: `${yearOnly[1]}-01-01`, end: `${yearOnly[1]}-12-31` }
  return null
}
