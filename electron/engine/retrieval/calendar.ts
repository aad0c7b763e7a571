// Whole-day calendar arithmetic on ISO dates (YYYY-MM-DD), always in UTC so the user's timezone never shifts a day.

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

export function addDays(iso: string, days: number): string {
  const date = parseIsoDate(iso)
  date.setUTCDate(date.getUTCDate() + days)
  return toIsoDate(date)
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

/** ISO 8601 weeks start on Monday; week 1 is the week holding the year's first Thursday. */
export function isoWeekRange(year: number, week: number): { start: string; end: string } {
  const fourthOfJanuary = new Date(Date.UTC(year, 0, 4))
  const weekday = fourthOfJanuary.getUTCDay() || 7
  const mondayOfWeekOne = new Date(Date.UTC(year, 0, 4 - weekday + 1))
  const start = toIsoDate(mondayOfWeekOne)
  const weekStart = addDays(start, (week - 1) * 7)
  return { start: weekStart, end: addDays(weekStart, 6) }
}

export function weeksInIsoYear(year: number): number {
  // A year has 53 ISO weeks exactly when Dec 28 falls in week 53.
  return isoWeekOf(makeDate(year, 12, 28)).week
}

export function isoWeekOf(iso: string): { year: number; week: number } {
  const date = parseIsoDate(iso)
  const weekday = date.getUTCDay() || 7
  // The Thursday of this week decides which ISO year the week belongs to.
  date.setUTCDate(date.getUTCDate() + 4 - weekday)
  const year = date.getUTCFullYear()
  const firstDay = Date.UTC(year, 0, 1)
  const week = Math.ceil(((date.getTime() - firstDay) / 86_400_000 + 1) / 7)
  return { year, week }
}

export function formatIsoWeek(year: number, week: number): string {
  return `${year}-W${String(week).padStart(2, '0')}`
}

export function mondayOf(iso: string): string {
  const weekday = parseIsoDate(iso).getUTCDay() || 7
  return addDays(iso, 1 - weekday)
}

export function monthLabel(year: number, month: number): string {
  return `${MONTH_NAMES[month - 1]} ${year}`
}
