// The English parser only: the package root also loads every other locale, doubling its start-up cost.
import * as chrono from 'chrono-node/en'
import type { QueryPeriod } from '../../../shared/period'
import {
  MONTH_NAMES, OPEN_END, OPEN_START, addDays, isValidIsoDate, isoDateToUtcMs, makeDate, mondayOf, monthLabel,
  monthRange, quarterRange, yearRange,
} from '../../../shared/dates/calendar-date'
import { formatIsoWeek, isoWeekOf, isoWeekRange, weeksInIsoYear } from '../../../shared/dates/iso-week'
import { DATE_SOURCE, MONTH_SOURCE, WEEKDAY_SOURCE, monthOfName, readDate, recentYearOfMonth, weekOf, weekdayOf } from './date-expression'

/** What the search understood from a typed query. */
export interface ParsedQuery {
  /** What remains to search once time phrases and operators are taken out (whitespace collapsed). */
  text: string
  period: QueryPeriod | null
  pathPrefix: string | null
  /** True when only filler words remain ("what was I doing last week?"): list the whole range by date. */
  rangeOnly: boolean
  /**
   * Set when the time phrases could not be read as one range (two that do not overlap, "from 2023 to 2021") or
   * a weekday did not match its date: says what was done instead (no filter, or the date without the weekday).
   */
  periodWarning: string | null
}

/** Longer queries are cut here before parsing: nobody types more, and the regexes and chrono stay fast. */
export const MAX_QUERY_CHARS = 2000

interface Found {
  start: number
  end: number
  period: QueryPeriod
  /** A bare month name whose year was guessed; a following "and March 2024" may fix it. */
  monthWithoutYear?: number
  year?: number
  /** Something the user should know about how the phrase was read. */
  note?: string
  /** Why the phrase cannot be used as a filter (a range that ends before it starts). */
  invalid?: string
}

const MONTH_PATTERN =
  '(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)'
const NUMBER_WORDS: Record<string, number> = {
  a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11,
  twelve: 12,
}
const COUNT_PATTERN = '(\\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)'
// Words that introduce a time phrase and go with it when it is removed ("in March 2023" -> "").
const LEADING_PREPOSITIONS = new Set(['in', 'during', 'on', 'of', 'for', 'from', 'at', 'around', 'within', 'over', 'the'])
const MONTH_PREPOSITIONS = new Set(['in', 'since', 'during', 'from', 'until', 'till', 'between', 'and', 'to', 'through', 'of', 'before', 'after'])
const FILLER_WORDS = new Set([
  'what', 'whats', 'was', 'were', 'is', 'are', 'i', 'im', 'am', 'me', 'my', 'we', 'our', 'us', 'you', 'doing', 'did',
  'do', 'does', 'done', 'have', 'has', 'had', 'the', 'a', 'an', 'summarise', 'summarize', 'summary', 'summarised',
  'summarized', 'show', 'list', 'tell', 'about', 'give', 'happened', 'happen', 'happening', 'work', 'worked',
  'working', 'on', 'in', 'during', 'notes', 'note', 'log', 'logs', 'up', 'to', 'everything', 'all', 'overview',
  'recap', 'please', 'can', 'could', 'would', 'get', 'got', 'so', 'far', 'there', 'then', 'of', 'for', 'and', 'it',
  'things', 'stuff', 'anything', 'how', 'went', 'go', 'review', 'entries', 'entry', 'weekly', 'week', 'month',
  'busy', 'with', 'been', 'be', 'which', 'that', 'this',
])

const monthNumber = (name: string): number => {
  const lower = name.toLowerCase()
  return MONTH_NAMES.findIndex((month) => month.toLowerCase().startsWith(lower.slice(0, 3))) + 1
}

const countValue = (word: string): number => NUMBER_WORDS[word.toLowerCase()] ?? Number.parseInt(word, 10)

const todayParts = (today: string) => {
  const date = new Date(isoDateToUtcMs(today))
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1 }
}

const period = (range: { start: string; end: string }, label: string): QueryPeriod => ({ ...range, label })

/** The most recent such month that has started by `today`. */
function recentMonth(month: number, today: string, strictlyBefore = false): number {
  const now = todayParts(today)
  return month < now.month || (month === now.month && !strictlyBefore) ? now.year : now.year - 1
}

type Rule = { pattern: RegExp; build: (match: RegExpExecArray, today: string) => Omit<Found, 'start' | 'end'> | null }

const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
const ORDINAL_WEEKS: Record<string, number> = {
  first: 1, '1st': 1, second: 2, '2nd': 2, third: 3, '3rd': 3, fourth: 4, '4th': 4, fifth: 5, '5th': 5, last: -1, final: -1,
}
const ORDINAL_WEEK_SOURCE = '(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last|final)'
const PART_SOURCE = '(early|mid|middle\\s+of|late|beginning\\s+of|start\\s+of|end\\s+of)'

const range = (start: string, end: string) => (start === end ? start : `${start} to ${end}`)

/** A date read from DATE_SOURCE text, with a note when its weekday was wrong (the date wins). */
function dateIn(text: string, today: string): { iso: string; note?: string } | null {
  const read = readDate(text, today)
  if (!read) return null
  if (!read.weekdayMismatch) return { iso: read.iso }
  return { iso: read.iso, note: `${read.iso} is a ${WEEKDAY_NAMES[weekdayOf(read.iso)]}, not a ${read.weekdayMismatch}: searched the date.` }
}

/** A month with an optional year ("March", "March 2021", "March of 2021"): the latest one begun by today if none. */
function monthIn(name: string, yearText: string | undefined, today: string): { year: number; month: number } | null {
  const month = monthOfName(name)
  if (month < 1) return null
  return { month, year: yearText ? Number(yearText) : recentYearOfMonth(month, today) }
}

/**
 * Phrases built around a day or a month, tried before the plain ones so "the week of 2 March 2020" is one range
 * and not "week" plus a date. Weeks are Monday to Sunday (ISO 8601, as the notes' own weeks are).
 */
const COMPOUND_RULES: Rule[] = [
  {
    // the week before/after 2 March 2020: the Monday-to-Sunday week next to the one holding the date
    pattern: new RegExp(`\\b(?:the\\s+)?(week|weekend)\\s+(before|after)\\s+(?:the\\s+(?:week|weekend)\\s+of\\s+)?(?:the\\s+)?(${DATE_SOURCE})`, 'gi'),
    build: (m, today) => {
      const day = dateIn(m[3], today)
      if (!day) return null
      const shift = m[2].toLowerCase() === 'before' ? -7 : 7
      const week = weekOf(addDays(day.iso, shift))
      const weekend = m[1].toLowerCase() === 'weekend'
      const start = weekend ? addDays(week.start, 5) : week.start
      const { year, week: number } = isoWeekOf(week.start)
      const label = weekend ? `weekend ${m[2].toLowerCase()} ${day.iso} (${range(start, week.end)})` : `week ${m[2].toLowerCase()} ${day.iso} (${formatIsoWeek(year, number)})`
      return { period: period({ start, end: week.end }, label), note: day.note }
    },
  },
  {
    // the week before last
    pattern: /\b(?:the\s+)?week\s+before\s+last\b/gi,
    build: (_m, today) => relativeUnit(-2, 'week', today, 'the week before last'),
  },
  {
    // the weekend of 2 May 2020: Saturday and Sunday of the week holding the date
    pattern: new RegExp(`\\b(?:the\\s+)?weekend\\s+(?:of|on|around)\\s+(?:the\\s+)?(${DATE_SOURCE})`, 'gi'),
    build: (m, today) => {
      const day = dateIn(m[1], today)
      if (!day) return null
      const week = weekOf(day.iso)
      const start = addDays(week.start, 5)
      return { period: period({ start, end: week.end }, `weekend of ${day.iso} (${range(start, week.end)})`), note: day.note }
    },
  },
  {
    // first week of May 2020 / the last week in March: days 1-7, 8-14, ... and the month's last seven days.
    // Calendar days, not ISO weeks: the filter keeps every note overlapping them, so a weekly note that straddles
    // the 1st is found as well as a daily one.
    pattern: new RegExp(`\\b(?:the\\s+)?${ORDINAL_WEEK_SOURCE}\\s+(week|weekend)\\s+(?:of|in)\\s+(?:the\\s+month\\s+of\\s+)?(${MONTH_SOURCE})\\.?(?:,?\\s+(?:of\\s+)?(\\d{4})(?!\\d))?`, 'gi'),
    build: (m, today) => {
      const which = ORDINAL_WEEKS[m[1].toLowerCase()]
      const found = monthIn(m[3], m[4], today)
      if (!found || which === undefined) return null
      const { start: first, end: last } = monthRange(found.year, found.month)
      const name = `${m[1].toLowerCase()} ${m[2].toLowerCase()} of ${monthLabel(found.year, found.month)}`
      if (m[2].toLowerCase() === 'weekend') {
        // The nth Saturday-and-Sunday whose Saturday is in the month (the last one: whose Saturday is).
        const saturdays: string[] = []
        for (let day = first; day <= last; day = addDays(day, 1)) if (weekdayOf(day) === 6) saturdays.push(day)
        const saturday = which === -1 ? saturdays[saturdays.length - 1] : saturdays[which - 1]
        if (!saturday) return null
        return { period: period({ start: saturday, end: addDays(saturday, 1) }, `${name} (${range(saturday, addDays(saturday, 1))})`) }
      }
      const start = which === -1 ? addDays(last, -6) : addDays(first, (which - 1) * 7)
      if (start > last) return null
      const end = which === -1 || addDays(start, 6) > last ? last : addDays(start, 6)
      return { period: period({ start, end }, `${name} (${range(start, end)})`), year: found.year }
    },
  },
  {
    // last weekend / this weekend / past weekend
    pattern: /\b(last|this|past|previous)\s+weekend\b/gi,
    build: (m, today) => {
      const current = m[1].toLowerCase() === 'this'
      const week = weekOf(addDays(today, current ? 0 : -7))
      const start = addDays(week.start, 5)
      return { period: period({ start, end: week.end }, `${current ? 'this' : 'last'} weekend (${range(start, week.end)})`) }
    },
  },
  {
    // week ending 8 March 2020: the seven days that end on the date
    pattern: new RegExp(`\\b(?:the\\s+)?(?:week|7\\s+days|seven\\s+days)\\s+(?:ending|ended|to|up\\s+to)\\s+(?:the\\s+|on\\s+)?(${DATE_SOURCE})`, 'gi'),
    build: (m, today) => {
      const day = dateIn(m[1], today)
      if (!day) return null
      const start = addDays(day.iso, -6)
      return { period: period({ start, end: day.iso }, `week ending ${day.iso} (${range(start, day.iso)})`), note: day.note }
    },
  },
  {
    // week starting / beginning / commencing 1 March 2020, w/c 1 March: the seven days from the date, as written
    pattern: new RegExp(`(?:\\b(?:the\\s+)?week\\s+(?:starting|beginning|commencing|started|from)\\s+(?:on\\s+|the\\s+)?|\\bw/c\\s+|\\bwc\\s+)(${DATE_SOURCE})`, 'gi'),
    build: (m, today) => {
      const day = dateIn(m[1], today)
      if (!day) return null
      const end = addDays(day.iso, 6)
      return { period: period({ start: day.iso, end }, `week starting ${day.iso} (${range(day.iso, end)})`), note: day.note }
    },
  },
  {
    // the week of 2 March 2020: the Monday-to-Sunday week holding the date
    pattern: new RegExp(`\\b(?:the\\s+)?week\\s+(?:of|around|containing|with|including)\\s+(?:the\\s+)?(${DATE_SOURCE})`, 'gi'),
    build: (m, today) => {
      const day = dateIn(m[1], today)
      if (!day) return null
      const week = weekOf(day.iso)
      const { year, week: number } = isoWeekOf(week.start)
      return { period: period(week, `week of ${day.iso} (${formatIsoWeek(year, number)})`), note: day.note }
    },
  },
  {
    // first week of 2020 / last week of 2019: the year's first or last seven days
    pattern: /\b(?:the\s+)?(first|1st|last|final)\s+week\s+(?:of|in)\s+(\d{4})(?!\d)/gi,
    build: (m) => {
      const year = Number(m[2])
      const { start: first, end: last } = yearRange(year)
      const isFirst = ['first', '1st'].includes(m[1].toLowerCase())
      const start = isFirst ? first : addDays(last, -6)
      const end = isFirst ? addDays(first, 6) : last
      return { period: period({ start, end }, `${isFirst ? 'first' : 'last'} week of ${year} (${range(start, end)})`), year }
    },
  },
  {
    // first half of 2023 / H2 2023
    pattern: /\b(?:(?:the\s+)?(first|1st|second|2nd)\s+half\s+of\s+(\d{4})|h([12])\s*(\d{4}))(?!\d)/gi,
    build: (m) => {
      const year = Number(m[2] ?? m[4])
      const firstHalf = m[1] ? ['first', '1st'].includes(m[1].toLowerCase()) : m[3] === '1'
      const start = firstHalf ? makeDate(year, 1, 1) : makeDate(year, 7, 1)
      const end = firstHalf ? makeDate(year, 6, 30) : makeDate(year, 12, 31)
      return { period: period({ start, end }, `${firstHalf ? 'first' : 'second'} half of ${year}`), year }
    },
  },
  {
    // early / mid / late March 2021: days 1-10, 11-20, 21 to the end
    pattern: new RegExp(`\\b(?:the\\s+|in\\s+the\\s+)?${PART_SOURCE}[\\s-]+(?:the\\s+month\\s+of\\s+)?(${MONTH_SOURCE})\\.?(?:,?\\s+(?:of\\s+)?(\\d{4})(?!\\d))?`, 'gi'),
    build: (m, today) => {
      const found = monthIn(m[2], m[3], today)
      if (!found) return null
      const part = partOf(m[1])
      const { start: first, end: last } = monthRange(found.year, found.month)
      const start = part === 'early' ? first : part === 'mid' ? makeDate(found.year, found.month, 11) : makeDate(found.year, found.month, 21)
      const end = part === 'early' ? makeDate(found.year, found.month, 10) : part === 'mid' ? makeDate(found.year, found.month, 20) : last
      return { period: period({ start, end }, `${part} ${monthLabel(found.year, found.month)} (${range(start, end)})`), year: found.year }
    },
  },
  {
    // early / mid / late 2020: January-April, May-August, September-December
    // Not "late 2000 ms": the same amounts the lone-year rule skips, and no years far ahead.
    pattern: /\b(?:the\s+|in\s+the\s+)?(early|mid|middle\s+of|late|beginning\s+of|start\s+of|end\s+of)[\s-]+((?:19|20)\d\d)(?!\d|[.,]\d|\s*(?:%|ms|s|sec|seconds|minutes|hours|rows|items|users|requests|lines|words|tokens|kb|mb|gb|rps|qps|x|times|people|euros?|dollars?|usd|eur)\b)/gi,
    build: (m, today) => {
      const year = Number(m[2])
      if (year > Number(today.slice(0, 4)) + 1) return null
      const part = partOf(m[1])
      const [from, to] = part === 'early' ? [1, 4] : part === 'mid' ? [5, 8] : [9, 12]
      const start = makeDate(year, from, 1)
      const end = monthRange(year, to).end
      return { period: period({ start, end }, `${part} ${year} (${MONTH_NAMES[from - 1]} to ${MONTH_NAMES[to - 1]})`), year }
    },
  },
  {
    // Friday 2020-05-01 / Sunday, 17 March 2019 / Friday May 1st: the day (a wrong weekday is noted; the date wins)
    pattern: new RegExp(`\\b${DATE_SOURCE}`, 'gi'),
    build: (m, today) => {
      if (!new RegExp(`^${WEEKDAY_SOURCE}`, 'i').test(m[0])) return null
      const day = dateIn(m[0], today)
      if (!day) return null
      return { period: period({ start: day.iso, end: day.iso }, `${WEEKDAY_NAMES[weekdayOf(day.iso)]} ${day.iso}`), note: day.note }
    },
  },
  {
    // the 14th week of 2020 / W14 2020 / wk 14: ISO weeks
    pattern: /\b(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\s+week\s+(?:of|in)\s+(\d{4})(?!\d)/gi,
    build: (m) => {
      const year = Number(m[2])
      const week = Number(m[1])
      if (week < 1 || week > weeksInIsoYear(year)) return null
      return { period: period(isoWeekRange(year, week), formatIsoWeek(year, week)) }
    },
  },
  {
    pattern: /(?<![\d-])\bwk\.?\s?(\d{1,2})(?:\s*(?:of|in|,|\/)?\s*(\d{4}))?(?![\w-])/gi,
    build: (m, today) => isoWeekPhrase(Number(m[1]), m[2], today),
  },
  {
    // "W14 2020" / "W14/2020", and a bare "W14" only in capitals after a preposition ("in W14"): "my W2 form" is
    // a tax form.
    pattern: /(?<![\d-])\bW(\d{1,2})(?:\s*(?:of|in|,|\/)?\s*(\d{4}))?(?![\w-])/g,
    build: (m, today) => {
      const before = wordBefore(m.input, m.index)
      if (!m[2] && !(before && ['in', 'during', 'of', 'for', 'since', 'until', 'before', 'after'].includes(before.word))) return null
      return isoWeekPhrase(Number(m[1]), m[2], today)
    },
  },
]

function partOf(word: string): 'early' | 'mid' | 'late' {
  const lower = word.toLowerCase()
  if (lower.startsWith('early') || lower.startsWith('beginning') || lower.startsWith('start')) return 'early'
  if (lower.startsWith('mid')) return 'mid'
  return 'late'
}

/** Week `week` of `yearText`, or of the latest year in which it has begun by today. */
function isoWeekPhrase(week: number, yearText: string | undefined, today: string): Omit<Found, 'start' | 'end'> | null {
  let year = yearText ? Number(yearText) : isoWeekOf(today).year
  if (week < 1 || week > 53) return null
  if (!yearText && week <= weeksInIsoYear(year) && isoWeekRange(year, week).start > today) year -= 1
  if (week > weeksInIsoYear(year)) return null
  return { period: period(isoWeekRange(year, week), formatIsoWeek(year, week)) }
}

const RULES: Rule[] = [
  ...COMPOUND_RULES,
  {
    // ISO week: 2024-W14
    pattern: /\b(\d{4})-?w(\d{1,2})\b/gi,
    build: (m) => {
      const year = Number(m[1])
      const week = Number(m[2])
      if (week < 1 || week > weeksInIsoYear(year)) return null
      return { period: period(isoWeekRange(year, week), formatIsoWeek(year, week)) }
    },
  },
  {
    // ISO date: 2024-03-11
    pattern: /\b(\d{4}-\d{2}-\d{2})\b/g,
    build: (m) => (isValidIsoDate(m[1]) ? { period: period({ start: m[1], end: m[1] }, m[1]) } : null),
  },
  {
    // Year and month: 2024-03
    pattern: /\b(\d{4})-(\d{2})\b(?!-)/g,
    build: (m) => {
      const month = Number(m[2])
      if (month < 1 || month > 12) return null
      return { period: period(monthRange(Number(m[1]), month), monthLabel(Number(m[1]), month)) }
    },
  },
  {
    // week 14 of 2024 / week 14, 2024 / week 14
    pattern: /\bweek\s+(\d{1,2})(?:\s*(?:of|in|,)?\s*(\d{4}))?\b/gi,
    build: (m, today) => {
      const week = Number(m[1])
      let year = m[2] ? Number(m[2]) : isoWeekOf(today).year
      if (week < 1 || week > 53) return null
      if (!m[2] && week <= weeksInIsoYear(year) && isoWeekRange(year, week).start > today) year -= 1
      if (week > weeksInIsoYear(year)) return null
      return { period: period(isoWeekRange(year, week), formatIsoWeek(year, week)) }
    },
  },
  {
    // Q2 2024 / 2024 Q2 / Q2
    pattern: /\b(?:q([1-4])(?:\s*(?:of\s+)?(\d{4}))?|(\d{4})\s*q([1-4]))\b/gi,
    build: (m, today) => {
      const quarter = Number(m[1] ?? m[4])
      let year = m[2] ? Number(m[2]) : m[3] ? Number(m[3]) : todayParts(today).year
      if (!m[2] && !m[3] && quarterRange(year, quarter).start > today) year -= 1
      return { period: period(quarterRange(year, quarter), `Q${quarter} ${year}`), year }
    },
  },
  {
    // the day before yesterday / yesterday / today
    pattern: /\b(the\s+day\s+before\s+yesterday|yesterday|today)\b/gi,
    build: (m, today) => {
      const phrase = m[1].toLowerCase()
      const offset = phrase === 'today' ? 0 : phrase === 'yesterday' ? -1 : -2
      const day = addDays(today, offset)
      return { period: period({ start: day, end: day }, `${phrase.replace(/\s+/g, ' ')} (${day})`) }
    },
  },
  {
    // past 3 weeks / last 2 months / last 10 days: a rolling window ending today
    pattern: new RegExp(`\\b(?:past|last|previous)\\s+${COUNT_PATTERN}\\s+(days?|weeks?|months?)\\b`, 'gi'),
    build: (m, today) => {
      const count = countValue(m[1])
      if (!(count > 0)) return null
      const unit = m[2].toLowerCase().replace(/s$/, '')
      const start = unit === 'day' ? addDays(today, 1 - count) : unit === 'week' ? addDays(today, 1 - count * 7) : shiftMonths(today, -count, 1)
      return { period: period({ start, end: today }, `past ${count} ${unit}${count === 1 ? '' : 's'} (${start} to ${today})`) }
    },
  },
  {
    // last week / this week / last month / this year / last quarter
    pattern: /\b(last|this|previous|current|past|next)\s+(week|month|year|quarter)\b/gi,
    build: (m, today) => {
      const word = m[1].toLowerCase()
      const current = ['this', 'current'].includes(word)
      const unit = m[2].toLowerCase()
      // "next week" is for plans written ahead ("what did I plan for next week?").
      if (word === 'next') return relativeUnit(1, unit, today, `next ${unit}`)
      return relativeUnit(current ? 0 : -1, unit, today, `${current ? 'this' : 'last'} ${unit}`)
    },
  },
  {
    // two weeks ago / 3 months ago / a year ago
    pattern: new RegExp(`\\b${COUNT_PATTERN}\\s+(weeks?|months?|years?|days?)\\s+ago\\b`, 'gi'),
    build: (m, today) => {
      const count = countValue(m[1])
      if (!(count > 0)) return null
      const unit = m[2].toLowerCase().replace(/s$/, '')
      if (unit === 'day') {
        const day = addDays(today, -count)
        return { period: period({ start: day, end: day }, `${count} day${count === 1 ? '' : 's'} ago (${day})`) }
      }
      return relativeUnit(-count, unit, today, `${count} ${unit}${count === 1 ? '' : 's'} ago`)
    },
  },
  {
    // last march / this march
    pattern: new RegExp(`\\b(last|this)\\s+${MONTH_PATTERN}\\b`, 'gi'),
    build: (m, today) => {
      const month = monthNumber(m[2])
      const year = m[1].toLowerCase() === 'this' ? todayParts(today).year : recentMonth(month, today, true)
      return { period: period(monthRange(year, month), monthLabel(year, month)) }
    },
  },
  {
    // 5 Jan 2023 / 5th of January, 2023 / January 5th, 2023
    pattern: new RegExp(`\\b(?:(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH_PATTERN}|${MONTH_PATTERN}\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?)\\.?,?\\s+(\\d{4})\\b`, 'gi'),
    build: (m) => {
      const day = Number(m[1] ?? m[4])
      const month = monthNumber(m[2] ?? m[3])
      const iso = `${m[5]}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
      return isValidIsoDate(iso) ? { period: period({ start: iso, end: iso }, iso) } : null
    },
  },
  {
    // March 2023 / March of 2023 (Mar '23 is not read: the apostrophe is ambiguous with quotes)
    // A day before the month ("5 Jan 2023") leaves the whole date to chrono.
    pattern: new RegExp(`(?<!\\d(?:st|nd|rd|th)?\\s+)\\b${MONTH_PATTERN}\\.?\\s*(?:of\\s+|,\\s*)?(\\d{4})\\b`, 'gi'),
    build: (m) => {
      const month = monthNumber(m[1])
      const year = Number(m[2])
      return { period: period(monthRange(year, month), monthLabel(year, month)), year }
    },
  },
  {
    // A bare month ("since May", "in March"). "may" and short forms need a preposition: "may" is usually a verb.
    pattern: new RegExp(`(?<!\\d\\s)\\b${MONTH_PATTERN}\\b(?!\\s+\\d)`, 'gi'),
    build: (m, today) => {
      const word = m[1].toLowerCase()
      const isFullName = MONTH_NAMES.some((name) => name.toLowerCase() === word)
      const before = wordBefore(m.input, m.index)
      const introduced = before !== null && MONTH_PREPOSITIONS.has(before.word)
      // Without a preposition only a capitalised full name counts: "march on" and "may I" are verbs.
      const capitalised = m[1][0] === m[1][0].toUpperCase()
      if (!introduced && (!isFullName || word === 'may' || !capitalised)) return null
      const month = monthNumber(word)
      const year = recentMonth(month, today)
      return { period: period(monthRange(year, month), monthLabel(year, month)), monthWithoutYear: month }
    },
  },
  {
    // A lone year: 2023
    // Not a year: amounts with a unit or currency ("2000 ms", "$2024"), or years after next year ("2048 rows").
    pattern: /(?<![\d$€£#.,-])\b((?:19[7-9]|20\d)\d)\b(?![\d-]|[.,]\d|\s*(?:%|ms|s|sec|seconds|minutes|hours|rows|items|users|requests|lines|words|tokens|kb|mb|gb|rps|qps|x|times|people|euros?|dollars?|usd|eur)\b)/gi,
    build: (m, today) => {
      const year = Number(m[1])
      if (year > todayParts(today).year + 1) return null
      return { period: period(yearRange(year), m[1]), year }
    },
  },
]

function shiftMonths(today: string, months: number, day: number): string {
  const now = todayParts(today)
  const index = now.year * 12 + (now.month - 1) + months
  return makeDate(Math.floor(index / 12), (index % 12) + 1, day)
}

function relativeUnit(offset: number, unit: string, today: string, phrase: string): Omit<Found, 'start' | 'end'> {
  if (unit === 'week') {
    const start = addDays(mondayOf(today), offset * 7)
    const { year, week } = isoWeekOf(start)
    return { period: period({ start, end: addDays(start, 6) }, `${phrase} (${formatIsoWeek(year, week)})`) }
  }
  if (unit === 'month') {
    const first = shiftMonths(today, offset, 1)
    const date = new Date(isoDateToUtcMs(first))
    const year = date.getUTCFullYear()
    const month = date.getUTCMonth() + 1
    return { period: period(monthRange(year, month), `${phrase} (${monthLabel(year, month)})`) }
  }
  if (unit === 'quarter') {
    const now = todayParts(today)
    const index = now.year * 4 + Math.floor((now.month - 1) / 3) + offset
    const year = Math.floor(index / 4)
    const quarter = (index % 4) + 1
    return { period: period(quarterRange(year, quarter), `${phrase} (Q${quarter} ${year})`) }
  }
  const year = todayParts(today).year + offset
  return { period: period(yearRange(year), `${phrase} (${year})`) }
}

/** Masks a span with spaces so later rules cannot match inside it and indexes stay valid. */
const mask = (text: string, start: number, end: number) => text.slice(0, start) + ' '.repeat(end - start) + text.slice(end)

function findPhrases(original: string, today: string): { found: Found[]; masked: string } {
  let masked = original
  const found: Found[] = []
  for (const rule of RULES) {
    rule.pattern.lastIndex = 0
    const matches = [...masked.matchAll(rule.pattern)]
    for (const match of matches) {
      let built: Omit<Found, 'start' | 'end'> | null
      try {
        built = rule.build(match as RegExpExecArray, today)
      } catch {
        // Calendar arithmetic at the edges of the representable years: not a phrase worth failing a search for.
        built = null
      }
      if (!built) continue
      const start = match.index
      const end = start + match[0].length
      found.push({ ...built, start, end })
      masked = mask(masked, start, end)
    }
  }
  for (const hit of chronoPhrases(masked, today)) {
    found.push(hit)
    masked = mask(masked, hit.start, hit.end)
  }
  found.sort((a, b) => a.start - b.start)
  return { found, masked }
}

// Chrono also reads bare times and weekday abbreviations ("at 5", "sun"): only whole days are kept.
const CHRONO_REJECT = /^(now|tonight|sun|sat|mon|tue|wed|thu|fri|at\s.*|\d{1,2})$/i

const BARE_WEEKDAY = /^(monday|tuesday|wednesday|thursday|friday|saturday|sunday)$/i
const WEEKDAY_LEAD_WORDS = new Set(['on', 'since', 'until', 'till', 'by', 'before', 'after', 'from', 'to', 'and', 'or', 'through'])

function chronoPhrases(text: string, today: string): Found[] {
  if (!/[a-z0-9]/i.test(text)) return []
  const reference = { instant: new Date(`${today}T12:00:00Z`), timezone: 'UTC' }
  const results = chrono.parse(text, reference, { forwardDate: false })
  const found: Found[] = []
  for (const result of results) {
    const phrase = result.text.trim()
    if (CHRONO_REJECT.test(phrase)) continue
    // A weekday name alone is often part of a name ("Brew Monday", "Software Architecture Monday"): it is a date only
    // after a word that makes it one ("on Monday", "since Friday").
    if (BARE_WEEKDAY.test(phrase)) {
      const before = /([\p{L}]+)\s*$/u.exec(text.slice(Math.max(0, result.index - 40), result.index))?.[1]?.toLowerCase()
      if (!before || !WEEKDAY_LEAD_WORDS.has(before)) continue
    }
    const start = result.start
    if (!start.isCertain('day') && !start.isCertain('weekday')) continue
    let first = makeDate(start.get('year') ?? 0, start.get('month') ?? 1, start.get('day') ?? 1)
    let last = result.end ? makeDate(result.end.get('year') ?? 0, result.end.get('month') ?? 1, result.end.get('day') ?? 1) : first
    // A bare weekday ("on Friday") is the latest one not after today; chrono may pick the coming one.
    if (!start.isCertain('day') && start.isCertain('weekday')) {
      while (first > today) first = addDays(first, -7)
      if (!result.end || last < first) last = first
    }
    // Chrono guesses the nearest year for "March 5"; a question about the past means the latest one not ahead.
    if (!start.isCertain('year') && first > today) {
      first = addDays(first, -365)
      while (new Date(isoDateToUtcMs(first)).getUTCDate() !== (start.get('day') ?? 1)) first = addDays(first, -1)
      if (!result.end) last = first
    }
    if (last < first) last = first
    const dates = first === last ? first : `${first} to ${last}`
    const label = /\d/.test(phrase) ? dates : `${phrase.toLowerCase()} (${dates})`
    found.push({ start: result.index, end: result.index + result.text.length, period: { start: first, end: last, label } })
  }
  return found
}

const wordBefore = (text: string, index: number): { word: string; start: number } | null => {
  const match = /([\p{L}]+)\s*$/u.exec(text.slice(Math.max(0, index - 40), index))
  if (!match) return null
  return { word: match[1].toLowerCase(), start: index - match[0].length }
}

/** Joins "between January and March 2024" / "from 2022 to 2023" into one range and applies since/until/before/after. */
function combine(original: string, found: Found[], today: string): Found[] {
  const merged: Found[] = []
  for (let index = 0; index < found.length; index++) {
    let current = found[index]
    const next = found[index + 1]
    if (next && /^\s*(and|to|through|thru|until|till|-|–|—)\s*$/i.test(original.slice(current.end, next.start))) {
      const opener = wordBefore(original, current.start)
      if (opener && (opener.word === 'between' || opener.word === 'from') || /^\s*(-|–|—|to|through|thru)\s*$/i.test(original.slice(current.end, next.start))) {
        let first = current
        if (current.monthWithoutYear && next.year !== undefined) {
          let year = Number(next.period.start.slice(0, 4))
          if (monthRange(year, current.monthWithoutYear).start > next.period.end) year -= 1
          first = { ...current, period: period(monthRange(year, current.monthWithoutYear), monthLabel(year, current.monthWithoutYear)) }
        }
        const sameYear = first.period.label.endsWith(first.period.start.slice(0, 4)) && next.period.label.endsWith(first.period.start.slice(0, 4)) && first.monthWithoutYear !== undefined
        const firstLabel = sameYear ? first.period.label.slice(0, -5) : first.period.label
        const spanStart = opener && (opener.word === 'between' || opener.word === 'from') ? opener.start : current.start
        let joined: QueryPeriod = { start: first.period.start, end: next.period.end, label: `${firstLabel} to ${next.period.label}` }
        let invalid: string | undefined
        if (joined.start > joined.end) {
          // "between" reads both ways; "from 2023 to 2021" is a slip we should not guess about.
          if (opener?.word === 'between') joined = { start: next.period.start, end: first.period.end, label: `${next.period.label} to ${first.period.label}` }
          else invalid = `"${original.slice(spanStart, next.end).trim()}" ends before it starts`
        }
        current = { start: spanStart, end: next.end, period: joined, invalid, note: current.note ?? next.note }
        index++
      }
    }
    const modifier = wordBefore(original, current.start)
    if (modifier && ['since', 'until', 'till', 'before', 'after'].includes(modifier.word)) {
      const { start, end, label } = current.period
      const bounds =
        // Notes are not written ahead, so "since May" ends today rather than at the open end.
        modifier.word === 'since' ? { start, end: end > today ? end : today } :
        modifier.word === 'after' ? { start: addDays(end, 1), end: OPEN_END } :
        modifier.word === 'before' ? { start: OPEN_START, end: addDays(start, -1) } :
        { start: OPEN_START, end }
      current = { ...current, start: modifier.start, period: { ...bounds, label: `${modifier.word} ${label}` } }
    } else if (modifier && LEADING_PREPOSITIONS.has(modifier.word)) {
      current = { ...current, start: modifier.start }
      // "in the last week": take both words.
      const second = modifier.word === 'the' ? wordBefore(original, modifier.start) : null
      if (second && LEADING_PREPOSITIONS.has(second.word)) current = { ...current, start: second.start }
    }
    merged.push(current)
  }
  return merged
}

interface Operators {
  after: string | null
  before: string | null
  pathPrefix: string | null
  spans: Array<[number, number]>
}

/** The first day an operator value names: 2023-01-01, 2023-01, 2023 or 2023-W05. */
function operatorRange(value: string): { start: string; end: string } | null {
  if (isValidIsoDate(value)) return { start: value, end: value }
  let match = /^(\d{4})-(\d{2})$/.exec(value)
  if (match && Number(match[2]) >= 1 && Number(match[2]) <= 12) return monthRange(Number(match[1]), Number(match[2]))
  match = /^(\d{4})$/.exec(value)
  if (match) return yearRange(Number(match[1]))
  match = /^(\d{4})-?w(\d{1,2})$/i.exec(value)
  if (match && Number(match[2]) >= 1 && Number(match[2]) <= weeksInIsoYear(Number(match[1]))) {
    return isoWeekRange(Number(match[1]), Number(match[2]))
  }
  return null
}

/** A path prefix as the stores keep paths: relative, forward slashes. */
export function normalisePathPrefix(value: string): string | null {
  const cleaned = value.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/^\/+/, '')
  return cleaned.length > 0 ? cleaned : null
}

function findOperators(text: string): Operators {
  const operators: Operators = { after: null, before: null, pathPrefix: null, spans: [] }
  for (const match of text.matchAll(/(?<!\S)(after|before|in):("([^"]*)"|\S+)/gi)) {
    const name = match[1].toLowerCase()
    const value = match[3] ?? match[2]
    if (name === 'in') {
      const prefix = normalisePathPrefix(value)
      if (!prefix) continue
      // Two in: operators narrow to the more specific folder when one holds the other.
      if (!operators.pathPrefix || prefix.startsWith(operators.pathPrefix)) operators.pathPrefix = prefix
    } else {
      const range = operatorRange(value)
      if (!range) continue
      if (name === 'after') operators.after = maxDate(operators.after, range.start)
      else operators.before = minDate(operators.before, range.start)
    }
    operators.spans.push([match.index, match.index + match[0].length])
  }
  return operators
}

const maxDate = (a: string | null, b: string) => (a === null || b > a ? b : a)
const minDate = (a: string | null, b: string) => (a === null || b < a ? b : a)

/** The period the explicit bounds describe: `after` inclusive, `before` exclusive (as in mail search). */
export function operatorPeriod(after: string | null, before: string | null): QueryPeriod | null {
  if (!after && !before) return null
  const start = after ?? OPEN_START
  const end = before ? addDays(before, -1) : OPEN_END
  const label = after && before ? `${start} to ${end}` : after ? `from ${start}` : `before ${before}`
  return { start, end, label }
}

/** Both constraints at once; the label of whichever is narrower when one holds the other. */
export function intersectPeriods(a: QueryPeriod | null, b: QueryPeriod | null): QueryPeriod | null {
  if (!a) return b
  if (!b) return a
  const start = a.start > b.start ? a.start : b.start
  const end = a.end < b.end ? a.end : b.end
  if (start === a.start && end === a.end) return a
  if (start === b.start && end === b.end) return b
  return { start, end, label: `${start} to ${end}` }
}

/** True when nothing but filler words remain: the question asks for the range itself. */
export function isFillerOnly(text: string): boolean {
  const words = text.toLowerCase().replace(/['’]/g, '').match(/[\p{L}\p{N}]+/gu) ?? []
  return words.every((word) => FILLER_WORDS.has(word))
}

/** "When did I first…" / "the last time I…": the user wants the earliest or latest note on a topic. */
export interface OrderIntent {
  order: 'first' | 'last'
  /** The topic once the ordering and filler words are gone ("try kubernetes"). */
  topic: string
}

const FIRST_WORDS = /\b(first|earliest|start|starts|started|begin|began|beginning)\b/i
const LAST_WORDS = /\b(last(?:\s+time)?|latest|most\s+recent(?:ly)?|final)\b/i

/** Reads a first/last intent from searchable text (time phrases already removed); null when there is none. */
export function orderIntent(text: string): OrderIntent | null {
  const first = FIRST_WORDS.exec(text)
  const last = LAST_WORDS.exec(text)
  if (!first && !last) return null
  const order = first && (!last || first.index < last.index) ? 'first' : 'last'
  const topic = text
    .replace(new RegExp(FIRST_WORDS.source, 'gi'), ' ')
    .replace(new RegExp(LAST_WORDS.source, 'gi'), ' ')
    .toLowerCase()
    .replace(/['’]/g, '')
    .match(/[\p{L}\p{N}]+/gu)
    ?.filter((word) => !FILLER_WORDS.has(word) && !INTENT_FILLER.has(word))
    .join(' ') ?? ''
  return topic.length > 0 ? { order, topic } : null
}

const INTENT_FILLER = new Set(['when', 'time', 'times', 'ever', 'did', 'week', 'day', 'ago', 'try', 'tried'])

/**
 * Splits a query into the text to search, a period from time phrases and `after:`/`before:` operators, and an
 * `in:` folder. `today` (an ISO date, UTC) anchors relative phrases.
 */
export function parseQuery(query: string, today: string): ParsedQuery {
  const input = (typeof query === 'string' ? query : '').slice(0, MAX_QUERY_CHARS)
  const operators = findOperators(input)
  let working = input
  for (const [start, end] of operators.spans) working = mask(working, start, end)

  const { found } = findPhrases(working, today)
  const phrases = combine(working, found, today)
  const { period, warning } = resolvePeriod(working, phrases, operators)

  let remaining = working
  for (const phrase of phrases) remaining = mask(remaining, phrase.start, phrase.end)
  const text = remaining.replace(/\s+/g, ' ').trim()
  return {
    text,
    period,
    pathPrefix: operators.pathPrefix,
    rangeOnly: period !== null && isFillerOnly(text),
    periodWarning: warning,
  }
}

/**
 * One period from every phrase and operator, never one that starts after it ends. Phrases that do not overlap
 * each other ("March 2020 ... 2021") are all dropped: guessing which one was meant would hide notes silently.
 * Operators are explicit, so when a phrase lies outside them the operators win.
 */
function resolvePeriod(text: string, phrases: Found[], operators: Operators): { period: QueryPeriod | null; warning: string | null } {
  const notes: string[] = []
  let fromPhrases: QueryPeriod | null = null
  let dropped = false
  for (const phrase of phrases) {
    if (phrase.note) notes.push(phrase.note)
    if (phrase.invalid || phrase.period.start > phrase.period.end) {
      notes.push(`${phrase.invalid ?? `"${text.slice(phrase.start, phrase.end).trim()}" ends before it starts`}, so no time filter was applied for it.`)
      continue
    }
    if (dropped) continue
    const next: QueryPeriod | null = fromPhrases ? intersectPeriods(fromPhrases, phrase.period) : phrase.period
    if (next && next.start > next.end) {
      const all = phrases.map((item) => `"${text.slice(item.start, item.end).trim()}"`).join(', ')
      notes.push(`The time phrases ${all} do not overlap, so no time filter was applied.`)
      fromPhrases = null
      dropped = true
      continue
    }
    fromPhrases = next
  }

  let fromOperators = operatorPeriod(operators.after, operators.before)
  if (fromOperators && fromOperators.start > fromOperators.end) {
    notes.push(`after:${operators.after} and before:${operators.before} leave no day between them, so they were not applied.`)
    fromOperators = null
  }
  let period = intersectPeriods(fromPhrases, fromOperators)
  if (period && period.start > period.end) {
    notes.push(`${fromPhrases!.label} is outside ${fromOperators!.label}, so only the after:/before: filter was applied.`)
    period = fromOperators
  }
  return { period, warning: notes.length > 0 ? notes.join(' ') : null }
}
