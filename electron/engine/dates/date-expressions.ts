// Finding dates written by people inside short texts: titles, headings, file names and front-matter values.
// Pure functions; every result is a real calendar day or null (never a guess at an impossible date).

import type { Period, WeekDateMeans } from '../../../shared/period'
import { addDays, daysInMonth, isoWeekday, monthFromName, toIsoDate } from '../../../shared/dates/calendar-date'
import { isoWeekRange, isValidIsoWeek } from '../../../shared/dates/iso-week'

const WEEKDAYS: Record<string, number> = {
  mon: 1, monday: 1,
  tue: 2, tues: 2, tuesday: 2,
  wed: 3, weds: 3, wednesday: 3,
  thu: 4, thur: 4, thurs: 4, thursday: 4,
  fri: 5, friday: 5,
  sat: 6, saturday: 6,
  sun: 7, sunday: 7,
}

/** ISO weekday (1 = Monday) of an English weekday name or abbreviation, else null. */
export function weekdayFromName(name: string): number | null {
  return WEEKDAYS[name.toLowerCase().replace(/\.$/, '')] ?? null
}

export const WEEKDAY_PATTERN = '(?:mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday|rsday)?\\.?'
const MONTH_PATTERN =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?'
const ORDINAL = '(?:st|nd|rd|th)?'

/** A found date and where it was, so callers can tell what else the text says. */
export interface DateMatch {
  date: string
  index: number
  length: number
}

/** A day with its year given by the text, or by `year` when the text leaves it out (null = it must be written). */
interface DatePattern {
  pattern: RegExp
  build: (match: RegExpExecArray, year: number | null) => string | null
}

const FULL_DATE_PATTERNS: DatePattern[] = [
  // 2020-05-01, 2020_05_01, 2020.05.01, 2020/05/01
  {
    pattern: /(?<![0-9])(\d{4})([-_./])(\d{1,2})\2(\d{1,2})(?![0-9])/,
    build: (m) => toIsoDate(Number(m[1]), Number(m[3]), Number(m[4])),
  },
  // 20200501 (only as a whole token: an 8-digit run inside a longer number is something else)
  {
    pattern: /(?<![0-9])(\d{4})(\d{2})(\d{2})(?![0-9])/,
    build: (m) => (Number(m[1]) >= 1900 && Number(m[1]) <= 2200 ? toIsoDate(Number(m[1]), Number(m[2]), Number(m[3])) : null),
  },
  // 10/03/2023, 10.03.2023: day first, as in most of the world and in UK weeknotes (US-style reading would make
  // 10/03/2023 the 3rd of October); month first only when the second number cannot be a month (03/25/2023).
  {
    pattern: /(?<![0-9])(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?![0-9])/,
    build: (m) => {
      const first = Number(m[1])
      const second = Number(m[2])
      return second > 12 ? toIsoDate(Number(m[3]), first, second) : toIsoDate(Number(m[3]), second, first)
    },
  },
  // 3 April 2023, 3rd of April, 2023, 05-May-2020
  {
    pattern: new RegExp(`(?<![0-9])(\\d{1,2})${ORDINAL}(?:\\s+of)?[\\s\\-_]+(${MONTH_PATTERN}),?[\\s\\-_]+(\\d{4})(?![0-9])`, 'i'),
    build: (m) => dayOf(Number(m[3]), m[2], Number(m[1])),
  },
  // April 3, 2023; Apr 3rd 2023
  {
    pattern: new RegExp(`\\b(${MONTH_PATTERN})[\\s\\-_]+(\\d{1,2})${ORDINAL},?[\\s\\-_]+(\\d{4})(?![0-9])`, 'i'),
    build: (m) => dayOf(Number(m[3]), m[1], Number(m[2])),
  },
]

const YEARLESS_DATE_PATTERNS: DatePattern[] = [
  // 3 May, 3rd of May
  {
    pattern: new RegExp(`(?<![0-9])(\\d{1,2})${ORDINAL}(?:\\s+of)?\\s+(${MONTH_PATTERN})(?![a-z])`, 'i'),
    build: (m, year) => (year === null ? null : dayOf(year, m[2], Number(m[1]))),
  },
  // May 3, May 3rd
  {
    pattern: new RegExp(`\\b(${MONTH_PATTERN})\\s+(\\d{1,2})${ORDINAL}(?![0-9a-z])`, 'i'),
    build: (m, year) => (year === null ? null : dayOf(year, m[1], Number(m[2]))),
  },
]

function dayOf(year: number, monthName: string, day: number): string | null {
  const month = monthFromName(monthName)
  return month === null ? null : toIsoDate(year, month, day)
}

/** The first full date (with its year) written in `text`. */
export function findFullDate(text: string): DateMatch | null {
  return findWith(FULL_DATE_PATTERNS, text, null)
}

/**
 * A date in `text`; one written without a year ("3 May") takes the year from `yearFor`, which gets the month and
 * day so it can pick the year that puts the date nearest the note.
 */
export function findDate(text: string, yearFor: ((month: number, day: number) => number) | null): DateMatch | null {
  const full = findFullDate(text)
  if (full || yearFor === null) return full
  for (const { pattern } of YEARLESS_DATE_PATTERNS) {
    const match = pattern.exec(text)
    if (!match) continue
    const monthName = /^\d/.test(match[1]) ? match[2] : match[1]
    const day = Number(/^\d/.test(match[1]) ? match[1] : match[2])
    const month = monthFromName(monthName)
    if (month === null) continue
    const date = toIsoDate(yearFor(month, day), month, day)
    if (date) return { date, index: match.index, length: match[0].length }
  }
  return null
}

function findWith(patterns: DatePattern[], text: string, year: number | null): DateMatch | null {
  let best: DateMatch | null = null
  for (const { pattern, build } of patterns) {
    const match = pattern.exec(text)
    if (!match) continue
    const date = build(match, year)
    // The leftmost date wins: "2023-04-03 (was 3 March 2023)" is about the first.
    if (date && (best === null || match.index < best.index)) best = { date, index: match.index, length: match[0].length }
  }
  return best
}

/** A stated range of days: "May 12-18, 2025", "December 30, 2024 - January 5, 2025", "12-18 May 2025". */
export function findDateRange(text: string, defaultYear: number | null): Period | null {
  const dash = '\\s*(?:-|–|—|to|until|through)\\s*'
  const candidates: Array<{ pattern: RegExp; build: (m: RegExpExecArray) => Period | null }> = [
    {
      // December 30, 2024 - January 5, 2025 / May 28 - June 1, 2025 / May 12-18, 2025 / May 12-18
      pattern: new RegExp(
        `\\b(${MONTH_PATTERN})\\s+(\\d{1,2})${ORDINAL}(?:,?\\s+(\\d{4}))?${dash}(?:(${MONTH_PATTERN})\\s+)?(\\d{1,2})${ORDINAL}(?:,?\\s+(\\d{4}))?(?![0-9])`,
        'i',
      ),
      build: (m) => {
        const endYear = m[6] ? Number(m[6]) : m[3] ? Number(m[3]) : defaultYear
        if (endYear === null) return null
        const startMonth = monthFromName(m[1])
        const endMonth = m[4] ? monthFromName(m[4]) : startMonth
        if (startMonth === null || endMonth === null) return null
        const startYear = m[3] ? Number(m[3]) : startMonth > endMonth ? endYear - 1 : endYear
        return rangeOf(toIsoDate(startYear, startMonth, Number(m[2])), toIsoDate(endYear, endMonth, Number(m[5])))
      },
    },
    {
      // 12-18 May 2025 / 28 May - 1 June 2025
      pattern: new RegExp(
        `(?<![0-9])(\\d{1,2})${ORDINAL}(?:\\s+(${MONTH_PATTERN}))?(?:\\s+(\\d{4}))?${dash}(\\d{1,2})${ORDINAL}\\s+(${MONTH_PATTERN})(?:,?\\s+(\\d{4}))?(?![0-9])`,
        'i',
      ),
      build: (m) => {
        const endYear = m[6] ? Number(m[6]) : m[3] ? Number(m[3]) : defaultYear
        if (endYear === null) return null
        const endMonth = monthFromName(m[5])
        const startMonth = m[2] ? monthFromName(m[2]) : endMonth
        if (startMonth === null || endMonth === null) return null
        const startYear = m[3] ? Number(m[3]) : startMonth > endMonth ? endYear - 1 : endYear
        return rangeOf(toIsoDate(startYear, startMonth, Number(m[1])), toIsoDate(endYear, endMonth, Number(m[4])))
      },
    },
    {
      // 2024-04-08 - 2024-04-14, 2024-04-08..2024-04-14, 2024-04-08 to 2024-04-14
      pattern: /(?<![0-9])(\d{4})-(\d{2})-(\d{2})\s*(?:\.\.|–|—|-|to|until)\s*(\d{4})-(\d{2})-(\d{2})(?![0-9])/i,
      build: (m) => rangeOf(toIsoDate(+m[1], +m[2], +m[3]), toIsoDate(+m[4], +m[5], +m[6])),
    },
  ]
  for (const { pattern, build } of candidates) {
    const match = pattern.exec(text)
    if (!match) continue
    const period = build(match)
    if (period) return period
  }
  return null
}

/** A range no longer than a few weeks that does not run backwards: a typo ("May 28 - June 1") stays plausible. */
function rangeOf(start: string | null, end: string | null): Period | null {
  if (start === null || end === null || start > end) return null
  if (addDays(start, 45) < end) return null
  return { start, end }
}

/** An ISO week named in `text`: "2023-W14", "Week 14, 2023", "week 14 of 2023", "2023 week 14"; or "Week 14" with `year`. */
export function findIsoWeek(text: string, year: number | null): Period | null {
  const patterns: Array<[RegExp, number, number]> = [
    [/(?<![0-9])(\d{4})[-\s]?W(\d{1,2})(?![0-9])/i, 1, 2],
    [/\bweek\s*(?:no\.?|number|#)?\s*(\d{1,2})\s*(?:,|of|-|\/)?\s*(\d{4})(?![0-9])/i, 2, 1],
    [/(?<![0-9])(\d{4})\s*(?:,|-)?\s*week\s*(\d{1,2})(?![0-9])/i, 1, 2],
  ]
  for (const [pattern, yearGroup, weekGroup] of patterns) {
    const match = pattern.exec(text)
    if (!match) continue
    const period = isoWeekPeriod(Number(match[yearGroup]), Number(match[weekGroup]))
    if (period) return period
  }
  if (year !== null) {
    const bare = /\b(?:iso\s+)?week\s*(?:no\.?|number|#)?\s*(\d{1,2})(?![0-9])/i.exec(text) ?? /(?<![a-z0-9])W(\d{1,2})(?![0-9])/.exec(text)
    if (bare) return isoWeekPeriod(year, Number(bare[1]))
  }
  return null
}

export function isoWeekPeriod(year: number, week: number): Period | null {
  return isValidIsoWeek(year, week) ? isoWeekRange(year, week) : null
}

/** A whole month named in `text` ("May 2020", "2020-05"), or "May" alone with `year`. */
export function findMonth(text: string, year: number | null): Period | null {
  const named = new RegExp(`\\b(${MONTH_PATTERN})[\\s,\\-_]+(\\d{4})(?![0-9])`, 'i').exec(text)
  if (named) return monthPeriod(Number(named[2]), monthFromName(named[1]))
  const numeric = /(?<![0-9])(\d{4})-(\d{2})(?![0-9-])/.exec(text)
  if (numeric) return monthPeriod(Number(numeric[1]), Number(numeric[2]))
  if (year !== null) {
    const bare = new RegExp(`^\\W*(${MONTH_PATTERN})\\W*$`, 'i').exec(text)
    if (bare) return monthPeriod(year, monthFromName(bare[1]))
  }
  return null
}

export function monthPeriod(year: number, month: number | null): Period | null {
  if (month === null || month < 1 || month > 12 || year < 1 || year > 9999) return null
  const start = toIsoDate(year, month, 1)
  const end = toIsoDate(year, month, daysInMonth(year, month))
  return start && end ? { start, end } : null
}

/** The seven days that hold `date`, by what a weekly note's single date means. */
export function weekAround(date: string, means: WeekDateMeans): Period {
  switch (means) {
    case 'week-start':
      return { start: date, end: addDays(date, 6) }
    case 'week-end':
      return { start: addDays(date, -6), end: date }
    case 'containing-iso-week': {
      const monday = addDays(date, 1 - isoWeekday(date))
      return { start: monday, end: addDays(monday, 6) }
    }
  }
}
