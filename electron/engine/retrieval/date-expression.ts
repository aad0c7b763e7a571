// One calendar day as people type it inside a question ("Friday 2020-05-01", "2 March 2020", "May 1st, 2020",
// "Sunday the 17th of March"), as a regex source that compound phrases ("the week of <date>") embed, and a reader
// that turns the matched text into an ISO date. Slash dates other than YYYY/MM/DD are left out on purpose:
// 02/03/2020 is 2 March to most of the world and 3 February to the US, and a wrong guess filters silently.
import { addDays, isValidIsoDate, isoDateToUtcMs, makeDate } from '../../../shared/dates/calendar-date'

export const MONTH_SOURCE =
  '(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)'
export const WEEKDAY_SOURCE =
  '(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues|tue|wed|thurs|thur|thu|fri|sat|sun)'

const ORDINAL = '(?:st|nd|rd|th)?'
const DAY = `\\d{1,2}${ORDINAL}(?![\\d:])`
const YEAR = '\\d{4}(?!\\d)'

/** A day, optionally after a weekday: no capturing groups, so compound patterns can embed it freely. */
export const DATE_SOURCE =
  `(?:${WEEKDAY_SOURCE}\\.?,?\\s+(?:the\\s+)?)?` +
  '(?:' +
  `\\d{4}-\\d{2}-\\d{2}(?![\\d-])` +
  `|\\d{4}/\\d{1,2}/\\d{1,2}(?![\\d/])` +
  `|${DAY}(?:\\s+of)?\\s+${MONTH_SOURCE}\\.?(?:,?\\s+${YEAR})?` +
  `|${MONTH_SOURCE}\\.?\\s+(?:the\\s+)?${DAY}(?:,?\\s+${YEAR})?` +
  ')'

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday']
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december']

/** 1-12 for a month name or its abbreviation, else 0. */
export function monthOfName(name: string): number {
  const lower = name.toLowerCase().replace(/\.$/, '')
  if (lower.length < 3) return 0
  return MONTHS.findIndex((month) => month.startsWith(lower.slice(0, 3))) + 1
}

/** 0 (Sunday) to 6 for a weekday name or its abbreviation, else -1. */
export function weekdayOfName(name: string): number {
  const lower = name.toLowerCase().replace(/\.$/, '')
  return lower.length < 3 ? -1 : WEEKDAYS.findIndex((day) => day.startsWith(lower.slice(0, 3)))
}

/** 0 (Sunday) to 6. */
export function weekdayOf(iso: string): number {
  return new Date(isoDateToUtcMs(iso)).getUTCDay()
}

export interface ReadDate {
  iso: string
  /** The weekday typed with the date, when it does not fall on it ("Friday 2020-05-02"): the date wins. */
  weekdayMismatch: string | null
}

// How far back a weekday may move a year-less date ("Friday 1 May" is 2020 seen from 2026): 28 years is one full
// cycle of the calendar, so every weekday/day pair occurs in it.
const WEEKDAY_YEAR_SEARCH = 28

/**
 * Reads text matched by DATE_SOURCE. A date without a year is the latest one not after `today` (questions are
 * about the past); with a weekday, the latest such date that falls on that weekday. Null for impossible dates.
 */
export function readDate(text: string, today: string): ReadDate | null {
  let rest = text.trim().toLowerCase()
  let weekday = -1
  let weekdayWord: string | null = null
  const leading = new RegExp(`^(${WEEKDAY_SOURCE})\\.?,?\\s+(?:the\\s+)?`).exec(rest)
  if (leading) {
    weekday = weekdayOfName(leading[1])
    weekdayWord = leading[1]
    rest = rest.slice(leading[0].length)
  }
  let year: number | null = null
  let month = 0
  let day = 0
  let match: RegExpExecArray | null
  if ((match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(rest)) || (match = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(rest))) {
    year = Number(match[1])
    month = Number(match[2])
    day = Number(match[3])
  } else if ((match = new RegExp(`^(\\d{1,2})${ORDINAL}(?:\\s+of)?\\s+(${MONTH_SOURCE})\\.?(?:,?\\s+(\\d{4}))?$`).exec(rest))) {
    day = Number(match[1])
    month = monthOfName(match[2])
    year = match[3] ? Number(match[3]) : null
  } else if ((match = new RegExp(`^(${MONTH_SOURCE})\\.?\\s+(?:the\\s+)?(\\d{1,2})${ORDINAL}(?:,?\\s+(\\d{4}))?$`).exec(rest))) {
    month = monthOfName(match[1])
    day = Number(match[2])
    year = match[3] ? Number(match[3]) : null
  } else {
    return null
  }
  if (month < 1 || month > 12 || day < 1 || day > 31) return null

  if (year === null) {
    const thisYear = Number(today.slice(0, 4))
    const candidate = (y: number) => {
      const iso = isoOf(y, month, day)
      return iso && iso <= today ? iso : null
    }
    let found: string | null = null
    if (weekday >= 0) {
      for (let y = thisYear; y > thisYear - WEEKDAY_YEAR_SEARCH && !found; y--) {
        const iso = candidate(y)
        if (iso && weekdayOf(iso) === weekday) found = iso
      }
    }
    // No year with that weekday (or none given): the latest such day; 29 February looks back to a leap year.
    for (let y = thisYear; y > thisYear - 8 && !found; y--) found = candidate(y)
    if (!found) return null
    return { iso: found, weekdayMismatch: weekday >= 0 && weekdayOf(found) !== weekday ? weekdayWord : null }
  }
  const iso = isoOf(year, month, day)
  if (!iso) return null
  return { iso, weekdayMismatch: weekday >= 0 && weekdayOf(iso) !== weekday ? weekdayWord : null }
}

// Years outside this leave no room for the week arithmetic around them, and no notes were written then.
const MIN_YEAR = 1000
const MAX_YEAR = 9000

function isoOf(year: number, month: number, day: number): string | null {
  if (year < MIN_YEAR || year > MAX_YEAR) return null
  const iso = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
  return isValidIsoDate(iso) ? iso : null
}

/** Monday to Sunday of the week holding `iso`. */
export function weekOf(iso: string): { start: string; end: string } {
  const weekday = weekdayOf(iso) || 7
  const start = addDays(iso, 1 - weekday)
  return { start, end: addDays(start, 6) }
}

/** The most recent `month` (1-12) that has started by `today`, as a year. */
export function recentYearOfMonth(month: number, today: string): number {
  const year = Number(today.slice(0, 4))
  return makeDate(year, month, 1) <= today ? year : year - 1
}
