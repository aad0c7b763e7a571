// Calendar arithmetic on ISO dates (YYYY-MM-DD), always in UTC so a note's period never shifts with the time zone.

const DAY_MS = 86_400_000

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** True when year/month/day name a real calendar day (no 2023-02-30). Month is 1-based. */
export function isValidCalendarDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return false
  return day <= daysInMonth(year, month)
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/** Builds an ISO date from parts, or null when they do not name a real day. */
export function toIsoDate(year: number, month: number, day: number): string | null {
  if (!isValidCalendarDate(year, month, day)) return null
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

/** The ISO date string if `value` is a valid YYYY-MM-DD, else null. */
export function parseIsoDate(value: string): string | null {
  const match = ISO_DATE.exec(value)
  if (!match) return null
  return toIsoDate(Number(match[1]), Number(match[2]), Number(match[3]))
}

/** UTC milliseconds of the midnight starting an ISO date (the date must be valid). */
export function isoDateToUtcMs(isoDate: string): number {
  const [year, month, day] = isoDate.split('-').map(Number)
  // Date.UTC maps years 0..99 to 1900..1999; setUTCFullYear does not.
  const date = new Date(Date.UTC(2000, month - 1, day))
  date.setUTCFullYear(year)
  return date.getTime()
}

/** The UTC calendar day of a timestamp. */
export function utcMsToIsoDate(ms: number): string {
  const date = new Date(ms)
  return `${String(date.getUTCFullYear()).padStart(4, '0')}-${String(date.getUTCMonth() + 1).padStart(2, '0')}-${String(date.getUTCDate()).padStart(2, '0')}`
}

export function addDays(isoDate: string, days: number): string {
  return utcMsToIsoDate(isoDateToUtcMs(isoDate) + days * DAY_MS)
}

/** 1 = Monday ... 7 = Sunday, as ISO 8601 numbers weekdays. */
export function isoWeekday(isoDate: string): number {
  const day = new Date(isoDateToUtcMs(isoDate)).getUTCDay()
  return day === 0 ? 7 : day
}

const MONTHS: Record<string, number> = {
  jan: 1, january: 1,
  feb: 2, february: 2,
  mar: 3, march: 3,
  apr: 4, april: 4,
  may: 5,
  jun: 6, june: 6,
  jul: 7, july: 7,
  aug: 8, august: 8,
  sep: 9, sept: 9, september: 9,
  oct: 10, october: 10,
  nov: 11, november: 11,
  dec: 12, december: 12,
}

/** Month number (1-12) of an English month name or common abbreviation, else null. */
export function monthFromName(name: string): number | null {
  return MONTHS[name.toLowerCase().replace(/\.$/, '')] ?? null
}

export const MONTH_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
] as const

/** 'Jan' ... 'Dec', for short labels. */
export const SHORT_MONTH_NAMES: readonly string[] = MONTH_NAMES.map((name) => name.slice(0, 3))

/** Days from `start` to `end`, both counted: 2024-05-01 to 2024-05-07 is 7. */
export function inclusiveDays(start: string, end: string): number {
  return Math.round((isoDateToUtcMs(end) - isoDateToUtcMs(start)) / DAY_MS) + 1
}

/** The earliest and latest dates an open-ended range ("since May", "before:2023-01-01") is bounded by. */
export const OPEN_START = '0001-01-01'
export const OPEN_END = '9999-12-31'

/** True when `iso` is a valid YYYY-MM-DD. */
export function isValidIsoDate(iso: string): boolean {
  return parseIsoDate(iso) !== null
}

/** The ISO date of year/month/day, rolling over like Date.UTC (day 0 is the last day of the month before). */
export function makeDate(year: number, month: number /* 1-12 */, day: number): string {
  return utcMsToIsoDate(Date.UTC(year, month - 1, day))
}

export function monthRange(year: number, month: number /* 1-12 */): { start: string; end: string } {
  return { start: makeDate(year, month, 1), end: makeDate(year, month + 1, 0) }
}

export function quarterRange(year: number, quarter: number /* 1-4 */): { start: string; end: string } {
  const firstMonth = (quarter - 1) * 3 + 1
  return { start: makeDate(year, firstMonth, 1), end: monthRange(year, firstMonth + 2).end }
}

export function yearRange(year: number): { start: string; end: string } {
  return { start: makeDate(year, 1, 1), end: makeDate(year, 12, 31) }
}

/** The Monday of the ISO week holding `iso`. */
export function mondayOf(iso: string): string {
  return addDays(iso, 1 - isoWeekday(iso))
}

export function monthLabel(year: number, month: number): string {
  return `${MONTH_NAMES[month - 1]} ${year}`
}
