// Calendar ranges and labels for query periods, on ISO dates (YYYY-MM-DD), always in UTC so the user's timezone
// never shifts a day. Day and ISO-week arithmetic is the notes' own (electron/engine/dates), re-exported here.
import { addDays } from '../dates/calendar-date'

export { addDays } from '../dates/calendar-date'
export { formatIsoWeek, isoWeekOf, isoWeekRange, weeksInIsoYear } from '../dates/iso-week'

export const MONTH_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
] as const

/** The earliest and latest dates an open-ended range ("since May", "before:2023-01-01") is bounded by. */
export const OPEN_START = '0001-01-01'
export const OPEN_END = '9999-12-31'

export function toIsoDate(date: Date): string {
  return date.toISOString().slice(0, 10)
}

export function parseIsoDate(iso: string): Date {
  return new Date(`${iso}T00:00:00Z`)
}

export function isValidIsoDate(iso: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) return false
  const date = parseIsoDate(iso)
  return !Number.isNaN(date.getTime()) && toIsoDate(date) === iso
}

export function makeDate(year: number, month: number /* 1-12 */, day: number): string {
  return toIsoDate(new Date(Date.UTC(year, month - 1, day)))
}

export function monthRange(year: number, month: number /* 1-12 */): { start: string; end: string } {
  return { start: makeDate(year, month, 1), end: toIsoDate(new Date(Date.UTC(year, month, 0))) }
}

export function quarterRange(year: number, quarter: number /* 1-4 */): { start: string; end: string } {
  const firstMonth = (quarter - 1) * 3 + 1
  return { start: makeDate(year, firstMonth, 1), end: monthRange(year, firstMonth + 2).end }
}

export function yearRange(year: number): { start: string; end: string } {
  return { start: makeDate(year, 1, 1), end: makeDate(year, 12, 31) }
}

export function mondayOf(iso: string): string {
  const weekday = parseIsoDate(iso).getUTCDay() || 7
  return addDays(iso, 1 - weekday)
}

export function monthLabel(year: number, month: number): string {
  return `${MONTH_NAMES[month - 1]} ${year}`
}
