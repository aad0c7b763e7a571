import { describe, expect, it } from 'vitest'
import { notePeriod } from '../../../../electron/engine/dates/note-period'
import { sectionPeriods, type SectionHeading } from '../../../../electron/engine/dates/section-period'
import type { NotePeriod, WeekDateMeans } from '../../../../shared/period'

const MTIME = Date.UTC(2026, 11, 2, 9) // "today": what a note dated by its mtime would wrongly say

function periodOf(relativePath: string, frontMatter: Record<string, unknown> | null = null, firstHeading: string | null = null, weekDateMeans?: WeekDateMeans) {
  const { start, end, source, inferred } = notePeriod({ relativePath, frontMatter, firstHeading, mtimeMs: MTIME, weekDateMeans })
  return { start, end, source, inferred }
}

describe('resolution order: front matter > file name > title > mtime', () => {
  it.each<[string, string, Record<string, unknown> | null, string | null, string, string, string]>([
    // front-matter week keys, every spelling; a week_ending covers the seven days that end on it
    ['week_ending', 'notes/2024-05-03.md', { week_ending: '2024-05-03' }, null, '2024-04-27', '2024-05-03', 'front-matter:week_ending'],
    ['week_ending as a timestamp', 'a.md', { week_ending: '2024-05-03T17:00:00Z' }, null, '2024-04-27', '2024-05-03', 'front-matter:week_ending'],
    ['week-ending', 'a.md', { 'week-ending': '2024-05-05' }, null, '2024-04-29', '2024-05-05', 'front-matter:week_ending'],
    ['weekEnding', 'a.md', { weekEnding: new Date(Date.UTC(2024, 4, 5)) }, null, '2024-04-29', '2024-05-05', 'front-matter:week_ending'],
    ['week_starting', 'a.md', { week_starting: '2024-04-29' }, null, '2024-04-29', '2024-05-05', 'front-matter:week_starting'],
    ['week_commencing', 'a.md', { week_commencing: '2024-04-29' }, null, '2024-04-29', '2024-05-05', 'front-matter:week_commencing'],
    ['period as an ISO week', 'a.md', { period: '2024-W18' }, null, '2024-04-29', '2024-05-05', 'front-matter:period'],
    ['period as a range', 'a.md', { period: '2024-04-01..2024-04-14' }, null, '2024-04-01', '2024-04-14', 'front-matter:period'],
    ['period as a month', 'a.md', { period: '2024-04' }, null, '2024-04-01', '2024-04-30', 'front-matter:period'],
    // the week key beats a date in the same front matter, and the front matter beats the file name
    ['week_ending beats date', '2024-05-10.md', { date: '2024-05-10', week_ending: '2024-05-03' }, null, '2024-04-27', '2024-05-03', 'front-matter:week_ending'],
    // weekly notes dated on the Sunday that ends the week: that ISO week, not the week after
    ['Sunday-dated weeknote', 'weeknotes/2020-04-05.md', { date: '2020-04-05' }, null, '2020-03-30', '2020-04-05', 'front-matter:date'],
    ['Friday-dated weeknote', 'weeknotes/x.md', { date: '2020-04-03' }, null, '2020-03-30', '2020-04-05', 'front-matter:date'],
    ['Monday-dated weeknote', 'x.md', { date: '2020-03-30', title: 'Weeknotes' }, null, '2020-03-30', '2020-04-05', 'front-matter:date'],
    ['published', 'a.md', { published: '2023-06-01' }, null, '2023-06-01', '2023-06-01', 'front-matter:published'],
    ['created', 'a.md', { created: '2023-06-02 10:00' }, null, '2023-06-02', '2023-06-02', 'front-matter:created'],
    ['date beats published', 'a.md', { published: '2023-06-01', date: '2023-06-09' }, null, '2023-06-09', '2023-06-09', 'front-matter:date'],
    // a stated range in a description beats a publication date
    ['meta_description range', 'w/2025/2025-20.md', { date: '2025-05-19', meta_description: 'Week Notes for May 12-18, 2025' }, null, '2025-05-12', '2025-05-18', 'front-matter:meta_description'],
    ['range across a new year', 'a.md', { date: '2025-01-06', description: 'Week Notes for December 30, 2024 - January 5, 2025' }, null, '2024-12-30', '2025-01-05', 'front-matter:description'],
    ['range across months without a year', 'w/2025/x.md', { date: '2025-06-02', description: 'Week Notes for May 28 - June 1' }, null, '2025-05-28', '2025-06-01', 'front-matter:description'],
    // file names and folders
    ['YYYY_MM_DD (Logseq)', 'journals/2024_03_08.md', null, null, '2024-03-08', '2024-03-08', 'file-name'],
    ['Jekyll post', '_posts/2013-02-11-ews-review-paper-chat.md', null, null, '2013-02-11', '2013-02-11', 'file-name'],
    ['Jekyll weeknote: its ISO week', '_posts/2023-03-10-week-notes.md', null, null, '2023-03-06', '2023-03-12', 'file-name'],
    ['space instead of a hyphen', '_posts/2025-06-20 week-notes.md', null, null, '2025-06-16', '2025-06-22', 'file-name'],
    ['20230403', 'daily/20230403.md', null, null, '2023-04-03', '2023-04-03', 'file-name'],
    ['DD-Month-YYYY', 'log/03-Apr-2023.md', null, null, '2023-04-03', '2023-04-03', 'file-name'],
    ['monthly file with a sorting prefix', '2020/05-May-2020.md', null, null, '2020-05-01', '2020-05-31', 'file-name'],
    ['monthly file YYYY-MM', 'months/2020-05.md', null, null, '2020-05-01', '2020-05-31', 'file-name'],
    ['month name in a year folder', '2021/March.md', null, null, '2021-03-01', '2021-03-31', 'file-name'],
    ['YYYY/MM/ folder', '2021/03/retro.md', null, null, '2021-03-01', '2021-03-31', 'file-name'],
    ['yearly file', 'logs/2019.md', null, null, '2019-01-01', '2019-12-31', 'file-name'],
    ['YYYY-WW in a weekly folder', 'weeknotes/2025/2025-05.md', null, null, '2025-01-27', '2025-02-02', 'file-name'],
    ['YYYY-WW that cannot be a month', 'notes/2025/2025-20.md', null, null, '2025-05-12', '2025-05-18', 'file-name'],
    ['week number in a year folder', 'weeknotes/2024/weeknotes-12.md', null, null, '2024-03-18', '2024-03-24', 'file-name'],
    ['a title used as a path', 'cy/_posts/Weeknotes 20/01/2023', null, null, '2023-01-16', '2023-01-22', 'file-name'],
    // titles: front-matter title, else the first heading
    ['Week 14, 2024 title', 'notes/a.md', { title: 'Week 14, 2024' }, null, '2024-04-01', '2024-04-07', 'title'],
    ['w/c 2 March 2020', 'notes/a.md', null, 'w/c 2 March 2020', '2020-03-02', '2020-03-08', 'title'],
    ['w/c 2 March, year from the folder', 'notes/2020/a.md', null, 'w/c 2 March', '2020-03-02', '2020-03-08', 'title'],
    ['DD/MM/YYYY weeknote title', 'notes/a.md', { title: 'Weeknotes 10/03/2023' }, null, '2023-03-06', '2023-03-12', 'title'],
    ['DD/MM/YYYY day title', 'notes/a.md', { title: 'Notes 10/03/2023' }, null, '2023-03-10', '2023-03-10', 'title'],
    ['MM/DD when the day cannot be a month', 'notes/a.md', { title: 'Notes 03/25/2023' }, null, '2023-03-25', '2023-03-25', 'title'],
    ['a template title says nothing', 'notes/a.md', null, '{{ title }}', '2026-12-02', '2026-12-02', 'mtime'],
    ['the file name beats the title', '2023-W14.md', { title: 'Week 20, 2023' }, null, '2023-04-03', '2023-04-09', 'file-name'],
    ['nothing at all: the mtime, flagged', 'ideas/bbqueue.md', { layout: 'page' }, 'A queue', '2026-12-02', '2026-12-02', 'mtime'],
  ])('%s', (_name, path, frontMatter, heading, start, end, source) => {
    expect(periodOf(path, frontMatter, heading)).toEqual({ start, end, source, inferred: source === 'mtime' })
  })

  it.each<[WeekDateMeans, string, string]>([
    ['containing-iso-week', '2024-04-29', '2024-05-05'],
    ['week-start', '2024-05-01', '2024-05-07'],
    ['week-end', '2024-04-25', '2024-05-01'],
  ])('weekDateMeans %s reads a Wednesday-dated weeknote as %s..%s', (means, start, end) => {
    expect(periodOf('weekly/2024-05-01.md', null, null, means)).toMatchObject({ start, end })
  })
})

function sections(note: NotePeriod, headings: Array<[number, string] | [number, string, true]>): string[] {
  const input: SectionHeading[] = headings.map(([level, text, isTitle]) => ({ level, text, isTitle: isTitle === true }))
  return sectionPeriods(input, note).map((period) => `${period.start}..${period.end} ${period.source}`)
}

const MAY_2020: NotePeriod = { start: '2020-05-01', end: '2020-05-31', source: 'file-name', inferred: false }

describe('section periods', () => {
  it('a monthly file: each day heading its own day, undated sections after it inherit, the weekend follows Friday', () => {
    expect(
      sections(MAY_2020, [
        [1, 'May 2020', true],
        [2, 'Friday 2020-05-01'],
        [3, 'Meetings'],
        [2, 'The Weekend'],
        [2, 'Monday 2020-05-04'],
        [2, 'Notes'],
      ]),
    ).toEqual([
      '2020-05-01..2020-05-31 file-name',
      '2020-05-01..2020-05-01 heading',
      '2020-05-01..2020-05-01 heading-inherited',
      '2020-05-02..2020-05-03 heading-inherited',
      '2020-05-04..2020-05-04 heading',
      '2020-05-04..2020-05-04 heading-inherited',
    ])
  })

  it.each<[string, NotePeriod, string, string]>([
    ['"### 3 May" takes the note year', MAY_2020, '3 May', '2020-05-03..2020-05-03 heading'],
    ['"## Monday 4th" takes the note month', MAY_2020, 'Monday 4th', '2020-05-04..2020-05-04 heading'],
    ['"## May 5th"', MAY_2020, 'May 5th', '2020-05-05..2020-05-05 heading'],
    ['"## 2020-05-06 retro"', MAY_2020, '2020-05-06 retro', '2020-05-06..2020-05-06 heading'],
    ['"## Week 20" in a yearly file', { start: '2020-01-01', end: '2020-12-31', source: 'file-name', inferred: false }, 'Week 20', '2020-05-11..2020-05-17 heading'],
    ['"## March" in a yearly file', { start: '2021-01-01', end: '2021-12-31', source: 'file-name', inferred: false }, 'March', '2021-03-01..2021-03-31 heading'],
    ['a topic is not a date', MAY_2020, 'Release 2.3 planning with the platform team', '2020-05-01..2020-05-31 file-name'],
    ['"5th anniversary" is not a date', MAY_2020, '5th anniversary', '2020-05-01..2020-05-31 file-name'],
    ['28 December in a week spanning New Year', { start: '2024-12-30', end: '2025-01-05', source: 'file-name', inferred: false }, '3 January', '2025-01-03..2025-01-03 heading'],
    ['no yearless dates in a note dated by mtime', { start: '2026-12-02', end: '2026-12-02', source: 'mtime', inferred: true }, '3 May', '2026-12-02..2026-12-02 mtime'],
  ])('%s', (_name, note, heading, expected) => {
    expect(sections(note, [[2, heading]])).toEqual([expected])
  })

  it('weekday headings in a file dated at the end of its days resolve backwards (Jekyll multi-day entries)', () => {
    const tuesday: NotePeriod = { start: '2013-03-19', end: '2013-03-19', source: 'file-name', inferred: false }
    expect(sections(tuesday, [[2, 'Friday'], [2, 'Monday'], [3, 'Comments'], [2, 'Tuesday']])).toEqual([
      '2013-03-15..2013-03-15 heading',
      '2013-03-18..2013-03-18 heading',
      '2013-03-18..2013-03-18 heading-inherited',
      '2013-03-19..2013-03-19 heading',
    ])
  })

  it('a conference week dated Thursday whose days start on the Sunday before', () => {
    const week: NotePeriod = { start: '2013-08-05', end: '2013-08-11', source: 'file-name', inferred: false }
    expect(sections(week, [[2, 'Sun'], [2, 'Mon'], [2, 'Tues'], [2, 'Weds'], [2, 'Thurs']]).map((line) => line.slice(0, 10))).toEqual([
      '2013-08-04', '2013-08-05', '2013-08-06', '2013-08-07', '2013-08-08',
    ])
  })

  it('a weekday in a topic heading dates only its own section, not the siblings after it', () => {
    const week: NotePeriod = { start: '2023-07-03', end: '2023-07-09', source: 'file-name', inferred: false }
    expect(sections(week, [[2, 'Big (quiet) Monday'], [3, 'Tools'], [2, 'Next steps']])).toEqual([
      '2023-07-03..2023-07-03 heading',
      '2023-07-03..2023-07-03 heading-inherited',
      '2023-07-03..2023-07-09 file-name',
    ])
  })

  it('a heading above the dated level ends the run', () => {
    expect(sections(MAY_2020, [[2, 'Friday 2020-05-01'], [1, 'Summary']])).toEqual([
      '2020-05-01..2020-05-01 heading',
      '2020-05-01..2020-05-31 file-name',
    ])
  })

  it('never produces a period that ends before it starts', () => {
    const headings: Array<[number, string]> = [[2, 'Sunday'], [2, 'Saturday 31st'], [2, 'The Weekend'], [2, 'December 28 - January 3'], [2, 'Week 53'], [2, '1st']]
    for (const note of [MAY_2020, { start: '2020-12-28', end: '2021-01-03', source: 'file-name', inferred: false } as NotePeriod]) {
      for (const period of sectionPeriods(headings.map(([level, text]) => ({ level, text, isTitle: false })), note)) {
        expect(period.start <= period.end, JSON.stringify(period)).toBe(true)
      }
    }
  })
})
