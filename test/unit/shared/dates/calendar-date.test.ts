import { describe, expect, it } from 'vitest'
import {
  MONTH_NAMES,
  OPEN_END,
  SHORT_MONTH_NAMES,
  inclusiveDays,
  OPEN_START,
  isValidIsoDate,
  makeDate,
  mondayOf,
  monthLabel,
  monthRange,
  parseIsoDate,
  quarterRange,
  toIsoDate,
  utcMsToIsoDate,
  yearRange,
} from '../../../../shared/dates/calendar-date'

describe('toIsoDate: parts to an ISO date, null for a day that does not exist', () => {
  it.each([
    [2023, 3, 7, '2023-03-07'],
    [2024, 2, 29, '2024-02-29'],
    [2023, 2, 29, null],
    [2023, 13, 1, null],
    [2023, 4, 31, null],
    [999, 1, 1, '0999-01-01'],
  ])('%i-%i-%i is %s', (year, month, day, expected) => {
    expect(toIsoDate(year, month, day)).toBe(expected)
  })
})

describe('the UTC day of a timestamp', () => {
  it.each([
    [Date.UTC(2023, 0, 1), '2023-01-01'],
    [Date.UTC(2023, 0, 1, 23, 59, 59), '2023-01-01'],
    [Date.UTC(2024, 1, 29, 12), '2024-02-29'],
  ])('%i is %s', (ms, expected) => {
    expect(utcMsToIsoDate(ms)).toBe(expected)
  })
})

describe('isValidIsoDate agrees with parseIsoDate', () => {
  it.each([
    ['2023-03-07', true],
    ['2024-02-29', true],
    ['2023-02-29', false],
    ['2023-3-7', false],
    ['not a date', false],
    [OPEN_START, true],
    [OPEN_END, true],
  ])('%s: %s', (iso, valid) => {
    expect(isValidIsoDate(iso)).toBe(valid)
    expect(parseIsoDate(iso) !== null).toBe(valid)
  })
})

describe('makeDate rolls over like Date.UTC', () => {
  it.each([
    [2023, 1, 31, '2023-01-31'],
    [2023, 2, 30, '2023-03-02'],
    [2023, 3, 0, '2023-02-28'],
    [2023, 13, 1, '2024-01-01'],
  ])('%i-%i-%i is %s', (year, month, day, expected) => {
    expect(makeDate(year, month, day)).toBe(expected)
  })
})

describe('calendar ranges', () => {
  it.each([
    [2024, 2, '2024-02-01', '2024-02-29'],
    [2023, 2, '2023-02-01', '2023-02-28'],
    [2023, 12, '2023-12-01', '2023-12-31'],
  ])('month %i-%i is %s..%s', (year, month, start, end) => {
    expect(monthRange(year, month)).toEqual({ start, end })
  })

  it.each([
    [2023, 1, '2023-01-01', '2023-03-31'],
    [2023, 2, '2023-04-01', '2023-06-30'],
    [2023, 4, '2023-10-01', '2023-12-31'],
  ])('quarter %i-Q%i is %s..%s', (year, quarter, start, end) => {
    expect(quarterRange(year, quarter)).toEqual({ start, end })
  })

  it('a year runs from January 1 to December 31', () => {
    expect(yearRange(2023)).toEqual({ start: '2023-01-01', end: '2023-12-31' })
  })

  it.each([
    ['2023-03-06', '2023-03-06'],
    ['2023-03-08', '2023-03-06'],
    ['2023-03-12', '2023-03-06'],
    ['2021-01-01', '2020-12-28'],
  ])('the Monday of %s is %s', (iso, monday) => {
    expect(mondayOf(iso)).toBe(monday)
  })

  it('labels a month in English', () => {
    expect(monthLabel(2023, 3)).toBe('March 2023')
    expect(monthLabel(2024, 12)).toBe('December 2024')
  })
})

describe('inclusiveDays counts both ends, in UTC', () => {
  it.each([
    ['2024-05-01', '2024-05-01', 1],
    ['2024-05-01', '2024-05-07', 7],
    ['2024-02-28', '2024-03-01', 3],
    ['2023-12-31', '2024-01-01', 2],
    // A DST change in most zones: still whole days.
    ['2024-03-30', '2024-04-01', 3],
  ])('%s to %s is %i', (start, end, days) => {
    expect(inclusiveDays(start, end)).toBe(days)
  })

  it('month names, long and short, in order', () => {
    expect(MONTH_NAMES).toHaveLength(12)
    expect(SHORT_MONTH_NAMES).toEqual(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'])
  })
})
