import { describe, expect, it } from 'vitest'
import { notePeriod, periodFromHeading, periodLabel } from '../../../../electron/engine/dates/note-period'

const MTIME = Date.UTC(2024, 6, 15, 23, 30) // 2024-07-15, late in the UTC day

function periodOf(input: {
  relativePath?: string
  frontMatter?: Record<string, unknown> | null
  firstHeading?: string | null
  mtimeMs?: number
}) {
  return notePeriod({
    relativePath: input.relativePath ?? 'notes/untitled.md',
    frontMatter: input.frontMatter ?? null,
    firstHeading: input.firstHeading ?? null,
    mtimeMs: input.mtimeMs ?? MTIME,
  })
}

describe('notePeriod from the file path', () => {
  it.each([
    ['2023-W14.md', '2023-04-03', '2023-04-09', '2023-W14'],
    ['2023-w14.md', '2023-04-03', '2023-04-09', '2023-W14'],
    ['logs/2023-W14.md', '2023-04-03', '2023-04-09', '2023-W14'],
    ['2023/W14.md', '2023-04-03', '2023-04-09', '2023-W14'],
    ['2023/w01.md', '2023-01-02', '2023-01-08', '2023-W01'],
    ['2023/2023-W14.md', '2023-04-03', '2023-04-09', '2023-W14'],
    ['2023W14.md', '2023-04-03', '2023-04-09', '2023-W14'],
    ['2023-week-14.md', '2023-04-03', '2023-04-09', '2023-W14'],
    ['week-14-2023.md', '2023-04-03', '2023-04-09', '2023-W14'],
    ['Week 14 2023.md', '2023-04-03', '2023-04-09', '2023-W14'],
    ['2023-04-03.md', '2023-04-03', '2023-04-03', '2023-04-03'],
    ['daily/2024-03-11.md', '2024-03-11', '2024-03-11', '2024-03-11'],
    ['2023-04-03-weekly.md', '2023-04-03', '2023-04-09', '2023-W14'],
    // A weekly note dated mid-week covers the ISO week holding the date (indexing.weekDateMeans).
    ['2023-04-05-weekly.md', '2023-04-03', '2023-04-09', '2023-W14'],
    ['2023/04/03.md', '2023-04-03', '2023-04-03', '2023-04-03'],
    ['journal/2023/04/03.md', '2023-04-03', '2023-04-03', '2023-04-03'],
    ['2020-W53.md', '2020-12-28', '2021-01-03', '2020-W53'],
    ['2021-W01.md', '2021-01-04', '2021-01-10', '2021-W01'],
    ['2026-W53.md', '2026-12-28', '2027-01-03', '2026-W53'],
    ['2024-12-30-weekly.md', '2024-12-30', '2025-01-05', '2025-W01'],
    ['2023-W14.markdown', '2023-04-03', '2023-04-09', '2023-W14'],
    ['weekly/2023-04-03.md', '2023-04-03', '2023-04-09', '2023-W14'],
    ['Weekly Logs/2023/2023-04-10.md', '2023-04-10', '2023-04-16', '2023-W15'],
    ['2023/W14/2023-04-05.md', '2023-04-05', '2023-04-05', '2023-04-05'],
  ])('%s -> %s..%s (%s)', (relativePath, start, end, label) => {
    expect(periodOf({ relativePath })).toEqual({ start, end, label, source: 'file-name', inferred: false })
  })

  it.each([
    ['2021-W53.md'],
    ['2023-W53.md'],
    ['2023-W00.md'],
    ['2023-02-30.md'],
    ['2023-13-01.md'],
    ['notes.md'],
    ['2023/W60.md'],
  ])('%s has no valid date and falls through to the mtime', (relativePath) => {
    expect(periodOf({ relativePath })).toEqual({
      start: '2024-07-15',
      end: '2024-07-15',
      label: '2024-07-15',
      source: 'mtime',
      inferred: true,
    })
  })

  it('an invalid date in the name falls through to the heading, not straight to the mtime', () => {
    expect(periodOf({ relativePath: '2021-W53.md', firstHeading: 'Week 14, 2023' })).toMatchObject({
      start: '2023-04-03',
      source: 'title',
    })
  })

  it('an impossible day in a dated folder falls back to the month the folders name', () => {
    expect(periodOf({ relativePath: '2023/02/29.md' })).toMatchObject({ start: '2023-02-01', end: '2023-02-28', label: '2023-02' })
  })
})

describe('notePeriod from front matter', () => {
  it.each([
    ['week string', { week: '2023-W14' }, 'a.md', '2023-04-03', '2023-04-09', 'week'],
    ['week lower-case', { week: '2023-w14' }, 'a.md', '2023-04-03', '2023-04-09', 'week'],
    ['week number and year', { week: 14, year: 2023 }, 'a.md', '2023-04-03', '2023-04-09', 'week'],
    ['week "W14" and year string', { week: 'W14', year: '2023' }, 'a.md', '2023-04-03', '2023-04-09', 'week'],
    ['start and end', { start: '2023-04-01', end: '2023-04-15' }, 'a.md', '2023-04-01', '2023-04-15', 'start'],
    ['from and to', { from: '2023-04-01', to: '2023-04-02' }, 'a.md', '2023-04-01', '2023-04-02', 'from'],
    ['date string, plain file', { date: '2023-04-03' }, 'a.md', '2023-04-03', '2023-04-03', 'date'],
    ['date with a time', { date: '2023-04-03T18:00:00Z' }, 'a.md', '2023-04-03', '2023-04-03', 'date'],
    ['date object', { date: new Date(Date.UTC(2023, 3, 3)) }, 'a.md', '2023-04-03', '2023-04-03', 'date'],
    ['date, weekly path', { date: '2023-04-03' }, 'weekly/a.md', '2023-04-03', '2023-04-09', 'date'],
    ['date object mid-week, weekly path: its ISO week', { date: new Date(Date.UTC(2023, 3, 5)) }, 'week.md', '2023-04-03', '2023-04-09', 'date'],
    ['date, weekly title', { date: '2023-04-03', title: 'Weekly review' }, 'a.md', '2023-04-03', '2023-04-09', 'date'],
    ['capitalised keys', { Date: '2023-04-03' }, 'a.md', '2023-04-03', '2023-04-03', 'date'],
    ['front matter beats the path', { week: '2022-W01' }, '2023-W14.md', '2022-01-03', '2022-01-09', 'week'],
    ['2020-W53', { week: '2020-W53' }, 'a.md', '2020-12-28', '2021-01-03', 'week'],
  ])('%s', (_name, frontMatter, relativePath, start, end, key) => {
    expect(periodOf({ frontMatter, relativePath })).toMatchObject({ start, end, source: `front-matter:${key}`, inferred: false })
  })

  it('a weekly first heading makes a front matter date a week', () => {
    expect(periodOf({ frontMatter: { date: '2023-04-03' }, firstHeading: 'W14 notes' })).toMatchObject({
      start: '2023-04-03',
      end: '2023-04-09',
    })
  })

  it.each([
    ['week 53 of a 52-week year', { week: '2021-W53' }],
    ['an impossible date', { date: '2023-02-30' }],
    ['end before start', { start: '2023-04-10', end: '2023-04-01' }],
    ['a week without a year', { week: 14 }],
    ['an invalid Date object', { date: new Date(Number.NaN) }],
    ['a non-date value', { date: 'last tuesday' }],
  ])('%s falls through to the path', (_name, frontMatter) => {
    expect(periodOf({ frontMatter, relativePath: '2023-W20.md' })).toMatchObject({
      start: '2023-05-15',
      end: '2023-05-21',
      source: 'file-name',
    })
  })

  it('an invalid week falls back to a valid date in the same front matter, read as a week', () => {
    expect(periodOf({ frontMatter: { week: '2021-W53', date: '2021-06-01' } })).toMatchObject({
      start: '2021-05-31',
      end: '2021-06-06',
      source: 'front-matter:date',
    })
  })
})

describe('notePeriod from the first heading', () => {
  it.each([
    ['Week of 3 April 2023', '2023-04-03', '2023-04-09', '2023-W14'],
    ['Week of April 3, 2023', '2023-04-03', '2023-04-09', '2023-W14'],
    ['Week of Apr 5th, 2023', '2023-04-05', '2023-04-11', '2023-04-05..2023-04-11'],
    ['Week of 2023-04-03', '2023-04-03', '2023-04-09', '2023-W14'],
    ['Week 14, 2023', '2023-04-03', '2023-04-09', '2023-W14'],
    ['Week 14 of 2023', '2023-04-03', '2023-04-09', '2023-W14'],
    ['2023 week 14', '2023-04-03', '2023-04-09', '2023-W14'],
    ['2023-W14', '2023-04-03', '2023-04-09', '2023-W14'],
    ['Weekly log 2023-04-03', '2023-04-03', '2023-04-09', '2023-W14'],
    ['Notes for 2023-04-03', '2023-04-03', '2023-04-03', '2023-04-03'],
    ['**Week 1, 2021**', '2021-01-04', '2021-01-10', '2021-W01'],
    ['Week 53, 2020', '2020-12-28', '2021-01-03', '2020-W53'],
  ])('"%s" -> %s..%s', (firstHeading, start, end, label) => {
    expect(periodOf({ firstHeading })).toEqual({ start, end, label, source: 'title', inferred: false })
  })

  it.each([
    ['Week 53, 2021'],
    ['Week of Smarch 3, 2023'],
    ['Retro notes'],
  ])('"%s" falls through to the mtime', (firstHeading) => {
    expect(periodOf({ firstHeading })).toMatchObject({ source: 'mtime', inferred: true, start: '2024-07-15' })
  })

  it('an impossible day keeps the month it names', () => {
    expect(periodOf({ firstHeading: 'Week of 30 February 2023' })).toMatchObject({ start: '2023-02-01', end: '2023-02-28', source: 'title' })
  })

  it('periodFromHeading reads a plain date as one day unless asked for a week', () => {
    expect(periodFromHeading('2023-04-03')).toEqual({ start: '2023-04-03', end: '2023-04-03' })
    expect(periodFromHeading('2023-04-03', true)).toEqual({ start: '2023-04-03', end: '2023-04-09' })
  })
})

describe('notePeriod mtime fallback', () => {
  it.each([
    [Date.UTC(2023, 0, 1, 0, 0), '2023-01-01'],
    [Date.UTC(2023, 0, 1, 23, 59, 59), '2023-01-01'],
    [Date.UTC(2024, 1, 29, 12), '2024-02-29'],
    [0, '1970-01-01'],
    [Number.NaN, '1970-01-01'],
  ])('mtime %d is the UTC day %s', (mtimeMs, day) => {
    expect(periodOf({ mtimeMs })).toEqual({ start: day, end: day, label: day, source: 'mtime', inferred: true })
  })
})

describe('periodLabel', () => {
  it.each([
    [{ start: '2023-04-03', end: '2023-04-09' }, '2023-W14'],
    [{ start: '2024-12-30', end: '2025-01-05' }, '2025-W01'],
    [{ start: '2023-04-03', end: '2023-04-03' }, '2023-04-03'],
    [{ start: '2023-04-02', end: '2023-04-08' }, '2023-04-02..2023-04-08'],
    [{ start: '2023-04-03', end: '2023-04-10' }, '2023-04-03..2023-04-10'],
  ])('%o -> %s', (period, label) => {
    expect(periodLabel(period)).toBe(label)
  })
})
