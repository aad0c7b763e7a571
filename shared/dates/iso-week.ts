import type { Period } from '../period'
import { BrainError } from '../errors'
import { addDays, isoDateToUtcMs, isoWeekday, parseIsoDate } from './calendar-date'

/** 52 or 53: a year has 53 ISO weeks when it starts on a Thursday, or is a leap year starting on a Wednesday. */
export function weeksInIsoYear(year: number): number {
  // December 28 always falls in the year's last ISO week.
  return isoWeekOf(`${String(year).padStart(4, '0')}-12-28`).week
}

/** True when `week` exists in ISO `year` (2020-W53 does, 2021-W53 does not). */
export function isValidIsoWeek(year: number, week: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(week)) return false
  if (year < 1 || year > 9999 || week < 1) return false
  return week <= weeksInIsoYear(year)
}

/** Monday to Sunday of an ISO week; throws BrainError('invalid-input') for a week the year does not have. */
export function isoWeekRange(year: number, week: number): Period {
  if (!isValidIsoWeek(year, week)) {
    throw new BrainError('invalid-input', `${year}-W${String(week).padStart(2, '0')} is not an ISO week.`, {
      details: { year, week },
    })
  }
  // January 4 is always in week 1, so week 1 starts on the Monday on or before it.
  const january4 = `${String(year).padStart(4, '0')}-01-04`
  const week1Monday = addDays(january4, 1 - isoWeekday(january4))
  const start = addDays(week1Monday, (week - 1) * 7)
  return { start, end: addDays(start, 6) }
}

/** The ISO week-numbering year and week of a date (2024-12-30 is in 2025-W01). */
export function isoWeekOf(isoDate: string): { year: number; week: number } {
  if (parseIsoDate(isoDate) === null) {
    throw new BrainError('invalid-input', `${isoDate} is not a valid ISO date.`, { details: { isoDate } })
  }
  // The Thursday of a date's week decides which year the week belongs to.
  const thursday = addDays(isoDate, 4 - isoWeekday(isoDate))
  const year = Number(thursday.slice(0, 4))
  const january1 = `${thursday.slice(0, 4)}-01-01`
  const dayOfYear = Math.round((isoDateToUtcMs(thursday) - isoDateToUtcMs(january1)) / 86_400_000)
  return { year, week: Math.floor(dayOfYear / 7) + 1 }
}

/** "2023-W14" for a week. */
export function formatIsoWeek(year: number, week: number): string {
  return `${String(year).padStart(4, '0')}-W${String(week).padStart(2, '0')}`
}

/** The ISO week label when `period` is exactly one Monday-to-Sunday week, else null. */
export function isoWeekLabelOf(period: Period): string | null {
  if (isoWeekday(period.start) !== 1 || addDays(period.start, 6) !== period.end) return null
  const { year, week } = isoWeekOf(period.start)
  return formatIsoWeek(year, week)
}
