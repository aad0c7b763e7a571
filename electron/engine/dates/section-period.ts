import type { NotePeriod, Period } from '../../../shared/period'
import { addDays, daysInMonth, inclusiveDays, isoDateToUtcMs, isoWeekday, toIsoDate } from '../../../shared/dates/calendar-date'
import { findDate, findMonth, WEEKDAY_PATTERN, weekdayFromName } from './date-expressions'
import { periodFromHeading } from './note-period'

/** One heading of a note, in order, as the chunker sees it. */
export interface SectionHeading {
  level: number
  text: string
  /** The note's title heading: it names the note, so it never starts a dated section of its own. */
  isTitle: boolean
}

/**
 * The period of the text under each heading (until the next heading), given the note's own period.
 * A heading that names a day, a week or a month ("## Friday 2020-05-01", "### 3 May", "## Monday 4th",
 * "## Week 14", "## Monday") starts a section with that period, reading a missing year or month from the note
 * and from the dated heading before it. An undated heading below a dated one (deeper, or at the same level)
 * inherits its period; "## The Weekend" after a dated day covers the Saturday and Sunday after it. A heading
 * above the dated level ends the run: its text goes back to the note's period.
 */
export function sectionPeriods(headings: readonly SectionHeading[], note: NotePeriod): NotePeriod[] {
  const result: NotePeriod[] = []
  // `explicit`: the heading wrote a day number or a date. Only then do the headings after it at the same level
  // inherit it; a weekday alone ("## Big (quiet) Monday") dates its own section and what is nested under it.
  let dated: { period: Period; level: number; explicit: boolean } | null = null
  // The last day a run of weekday headings ("## Monday", "## Tuesday") reached, so the next one follows it.
  let weekdayRun: { last: string; level: number } | null = null
  const weekdays = headings.map((heading) => (heading.isTitle || note.inferred ? null : weekdayOnly(heading.text)))
  for (const [index, heading] of headings.entries()) {
    if (heading.isTitle) {
      result.push(note)
      continue
    }
    if (dated && heading.level < dated.level) dated = null
    if (weekdayRun && heading.level < weekdayRun.level) weekdayRun = null
    let context = dated?.period ?? null
    if (weekdays[index] !== null) {
      if (weekdayRun && weekdayRun.level === heading.level && (!context || context.end <= weekdayRun.last)) {
        context = { start: weekdayRun.last, end: weekdayRun.last }
      } else if (!context) {
        const first = weekdayRunStart(runOf(headings, weekdays, index), note)
        context = { start: addDays(first, -1), end: addDays(first, -1) }
      }
    }
    const own = headingPeriod(heading.text, note, context)
    if (own && weekdays[index] !== null) weekdayRun = { last: own.end, level: heading.level }
    if (own) {
      dated = { period: own, level: heading.level, explicit: /\d/.test(heading.text) }
      result.push({ ...own, source: 'heading', inferred: false })
      continue
    }
    if (isWeekend(heading.text)) {
      const weekend = weekendAfter(dated?.period ?? null, note)
      if (weekend) {
        if (!dated || heading.level <= dated.level) dated = { period: weekend, level: heading.level, explicit: dated?.explicit ?? false }
        result.push({ ...weekend, source: 'heading-inherited', inferred: false })
        continue
      }
    }
    if (dated && heading.level === dated.level && !dated.explicit) dated = null
    if (dated) {
      result.push({ ...dated.period, source: 'heading-inherited', inferred: false })
      continue
    }
    result.push(note)
  }
  return result
}

const FILLER = new Set([
  'the', 'of', 'on', 'and', 'for', 'a', 'notes', 'note', 'log', 'day', 'entry', 'update', 'updates', 'morning',
  'afternoon', 'evening', 'night', 'am', 'pm', 'today', 'diary', 'journal', 'daily', 'standup', 'work', 'plan',
])

/** Words left once dates, weekdays, months, numbers and filler are removed: a dated heading has few. */
function leftoverWords(text: string): number {
  const words = text
    .toLowerCase()
    .replace(new RegExp(`\\b${WEEKDAY_PATTERN}(?![a-z])`, 'gi'), ' ')
    .replace(/\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?(?![a-z])/g, ' ')
    .replace(/\d+(?:st|nd|rd|th)?/g, ' ')
    .replace(/\bweek(?:end)?s?\b|\bw\/c\b|\biso\b/g, ' ')
    .split(/[^a-z']+/)
    .filter((word) => word.length > 0 && !FILLER.has(word))
  return words.length
}

function clean(text: string): string {
  return text
    .replace(/&[a-z]+;|&#\d+;/gi, ' ')
    .replace(/[*_`~#]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
}

/** The period a section heading names, or null when it names none (or is a topic with a date in passing). */
export function headingPeriod(rawText: string, note: NotePeriod, previous: Period | null): Period | null {
  const text = clean(rawText)
  if (text === '') return null
  const words = leftoverWords(text)

  // Full dates, weeks, stated ranges: allowed with a few words around them ("2020-12-26 Thoughts").
  if (words <= 4) {
    const named = periodFromHeading(text, false, 'containing-iso-week', null)
    if (named) return named
  }
  if (words > 3) return null
  // Nothing below has a year of its own: without a real note date there is nothing to anchor it to.
  if (note.inferred) return null

  const yearless = findDate(text, (month, day) => nearestYear(month, day, note))
  if (yearless) return { start: yearless.date, end: yearless.date }

  const week = periodFromHeading(text, false, 'containing-iso-week', Number(note.start.slice(0, 4)))
  if (week && /week|w\/c/i.test(text)) return week

  const ordinal = new RegExp(`^(?:(${WEEKDAY_PATTERN}),?\\s+)?(?:the\\s+)?(\\d{1,2})(st|nd|rd|th)?\\b`, 'i').exec(text)
  // "Monday 4th" or a bare "4th"; a bare ordinal with other words ("5th anniversary") is not a date.
  if (ordinal && (ordinal[1] || (ordinal[3] && words === 0))) {
    const day = dayInContext(Number(ordinal[2]), note, previous)
    if (day) return { start: day, end: day }
  }

  const weekday = new RegExp(`^(${WEEKDAY_PATTERN})(?![a-z])|(?<![a-z])(${WEEKDAY_PATTERN})$`, 'i').exec(text)
  if (weekday && words <= 2) {
    const number = weekdayFromName(weekday[1] ?? weekday[2])
    const day = number === null ? null : weekdayInContext(number, note, previous)
    if (day) return { start: day, end: day }
  }

  // "## March" in a yearly file (or a long period): the month of the note's year.
  if (spanDays(note) > 31) {
    const month = findMonth(text, Number(note.start.slice(0, 4)))
    if (month && month.start <= note.end && month.end >= note.start) return month
  }
  return null
}

function isWeekend(text: string): boolean {
  return /\bweek-?end\b/i.test(text) && leftoverWords(clean(text)) === 0
}

/** Saturday and Sunday after a dated day; in a weekly note without one, the note week's weekend. */
function weekendAfter(previous: Period | null, note: NotePeriod): Period | null {
  const anchor = previous?.end ?? (note.inferred ? null : spanDays(note) <= 7 ? note.start : null)
  if (!anchor) return null
  const weekday = isoWeekday(anchor)
  if (previous && weekday >= 6) {
    // Already on the weekend: the rest of it.
    return { start: anchor, end: addDays(anchor, 7 - weekday) }
  }
  const saturday = addDays(anchor, 6 - weekday)
  return { start: saturday, end: addDays(saturday, 1) }
}

function spanDays(period: Period): number {
  return inclusiveDays(period.start, period.end)
}

/** The year that puts month/day nearest the note's period (a "28 December" heading in a week spanning New Year). */
function nearestYear(month: number, day: number, note: Period): number {
  const base = Number(note.start.slice(0, 4))
  let best = base
  let bestDistance = Number.POSITIVE_INFINITY
  for (const year of [base - 1, base, base + 1, Number(note.end.slice(0, 4))]) {
    const date = toIsoDate(year, month, Math.min(day, daysInMonth(year, month)))
    if (!date) continue
    const distance = date < note.start ? isoDateToUtcMs(note.start) - isoDateToUtcMs(date) : date > note.end ? isoDateToUtcMs(date) - isoDateToUtcMs(note.end) : 0
    if (distance < bestDistance) {
      best = year
      bestDistance = distance
    }
  }
  return best
}

/** "Monday 4th": the 4th of the month the previous dated heading was in (or the next one), else the note's month. */
function dayInContext(day: number, note: Period, previous: Period | null): string | null {
  const anchor = previous?.end ?? note.start
  const [year, month] = anchor.split('-').map(Number)
  const sameMonth = toIsoDate(year, month, day)
  if (sameMonth && (!previous || sameMonth >= previous.start)) return sameMonth
  const nextMonth = month === 12 ? toIsoDate(year + 1, 1, day) : toIsoDate(year, month + 1, day)
  return nextMonth
}

/** A weekday alone: the first one after the previous dated heading (or from the note's start). */
function weekdayInContext(weekday: number, note: Period, previous: Period | null): string | null {
  const from = previous ? addDays(previous.end, 1) : note.start
  const ahead = (weekday - isoWeekday(from) + 7) % 7
  const day = addDays(from, ahead)
  return day <= addDays(note.end, 6) ? day : null
}

/** The ISO weekday a heading names when it names nothing else of a date ("## Monday", "Fun fact Friday"). */
function weekdayOnly(rawText: string): number | null {
  const text = clean(rawText)
  if (/\d/.test(text) || leftoverWords(text) > 2) return null
  const match = new RegExp(`^(${WEEKDAY_PATTERN})(?![a-z])|(?<![a-z])(${WEEKDAY_PATTERN})$`, 'i').exec(text)
  return match ? weekdayFromName(match[1] ?? match[2]) : null
}

/** The weekdays of the run of weekday headings at this heading's level, from it on. */
function runOf(headings: readonly SectionHeading[], weekdays: ReadonlyArray<number | null>, from: number): number[] {
  const level = headings[from].level
  const run: number[] = []
  for (let index = from; index < headings.length; index++) {
    if (headings[index].level < level) break
    if (headings[index].level > level) continue
    const weekday = weekdays[index]
    if (weekday === null) break
    run.push(weekday)
  }
  return run
}

/**
 * Where a run of weekday headings starts. Notes are dated at their end more often than not ("## Monday" ...
 * "## Friday" in a file dated Friday; "## Sun" ... "## Thurs" in a conference week's note dated Thursday), so of
 * the days that could start the run, from a week before the note to its end, the one that puts most of the run
 * inside the note's period wins, the later on a tie.
 */
function weekdayRunStart(run: number[], note: Period): string {
  let best = note.start
  let bestInside = -1
  for (let first = addDays(note.start, -6); first <= note.end; first = addDays(first, 1)) {
    if (isoWeekday(first) !== run[0]) continue
    let day = first
    let inside = 0
    for (const [position, weekday] of run.entries()) {
      if (position > 0) day = addDays(day, ((weekday - isoWeekday(day) + 6) % 7) + 1)
      if (day >= note.start && day <= note.end) inside += 1
    }
    if (inside >= bestInside) {
      best = first
      bestInside = inside
    }
  }
  return best
}
