import { MONTH_NAMES, SHORT_MONTH_NAMES, parseIsoDate } from '../../shared/dates/calendar-date'
import { isoWeekOf } from '../../shared/dates/iso-week'
import type { NotesOverview } from '../../shared/notes-overview'


/**
 * Example questions built from the user's own notes: the newest week there is, a month that has notes, a word that
 * recurs. Phrased the way the query parser reads them ("week 52 of 2025", "March 2025").
 */
export function examplePrompts(overview: NotesOverview | null): string[] {
  if (!overview || overview.files === 0) return []
  const prompts: string[] = []
  const start = overview.latestPeriod?.start
  const week = start && parseIsoDate(start) ? isoWeekOf(start) : null
  if (week) prompts.push(`What did I do in week ${week.week} of ${week.year}?`)
  const latestMonth = overview.latestPeriod?.start.slice(0, 7)
  // The fullest month other than the newest one, so the examples point at different parts of the archive.
  const month = overview.busiestMonths.find((value) => value !== latestMonth) ?? overview.busiestMonths[0]
  const parsed = month ? /^(\d{4})-(\d{2})$/.exec(month) : null
  if (parsed) prompts.push(`What happened in ${MONTH_NAMES[Number(parsed[2]) - 1]} ${parsed[1]}?`)
  const word = overview.recurringWords[0]
  if (word) prompts.push(`When did I first mention ${word}?`)
  return prompts
}

/** "Sep 2018 – Oct 2022" (or one month). */
export function spanLabel(span: { start: string; end: string } | null): string | null {
  if (!span) return null
  const label = (iso: string) => {
    const match = /^(\d{4})-(\d{2})/.exec(iso)
    return match ? `${SHORT_MONTH_NAMES[Number(match[2]) - 1]} ${match[1]}` : iso
  }
  const start = label(span.start)
  const end = label(span.end)
  return start === end ? start : `${start} – ${end}`
}

/** "212 notes, Sep 2018 – Oct 2022, 2,143 passages". */
export function overviewSummary(overview: NotesOverview): string {
  const count = (value: number, one: string, many: string) => `${value.toLocaleString('en-GB')} ${value === 1 ? one : many}`
  const span = spanLabel(overview.span)
  return [count(overview.files, 'note', 'notes'), ...(span ? [span] : []), count(overview.chunks, 'passage', 'passages')].join(', ')
}
