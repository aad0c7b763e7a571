import { describe, expect, it } from 'vitest'
import { BrainError } from '../../../../shared/errors'
import { isoWeekOf, isoWeekRange, isValidIsoWeek, weeksInIsoYear } from '../../../../shared/dates/iso-week'
import { addDays, isoWeekday } from '../../../../shared/dates/calendar-date'

describe('isoWeekRange', () => {
  it.each([
    [2021, 1, '2021-01-04', '2021-01-10'],
    [2020, 53, '2020-12-28', '2021-01-03'],
    [2020, 1, '2019-12-30', '2020-01-05'],
    [2023, 14, '2023-04-03', '2023-04-09'],
    [2025, 1, '2024-12-30', '2025-01-05'],
    [2026, 53, '2026-12-28', '2027-01-03'],
    [2015, 53, '2015-12-28', '2016-01-03'],
    [2009, 1, '2008-12-29', '2009-01-04'],
  ])('%i-W%i is %s..%s', (year, week, start, end) => {
    expect(isoWeekRange(year, week)).toEqual({ start, end })
  })

  it.each([
    [2021, 53],
    [2023, 53],
    [2025, 53],
    [2023, 0],
    [2023, 54],
    [2023, 1.5],
  ])('%i-W%s does not exist', (year, week) => {
    expect(isValidIsoWeek(year, week)).toBe(false)
    expect(() => isoWeekRange(year, week)).toThrowError(BrainError)
  })
})

describe('isoWeekOf', () => {
  it.each([
    ['2024-12-30', 2025, 1],
    ['2021-01-03', 2020, 53],
    ['2021-01-04', 2021, 1],
    ['2023-04-03', 2023, 14],
    ['2023-04-09', 2023, 14],
    ['2023-01-01', 2022, 52],
    ['2026-12-31', 2026, 53],
    ['2027-01-03', 2026, 53],
    ['2008-12-29', 2009, 1],
    ['2000-02-29', 2000, 9],
  ])('%s is in %i-W%i', (date, year, week) => {
    expect(isoWeekOf(date)).toEqual({ year, week })
  })

  it.each(['2023-02-30', '2023-13-01', '2023-4-3', 'yesterday'])('rejects %s', (date) => {
    expect(() => isoWeekOf(date)).toThrowError(BrainError)
  })

  it('agrees with isoWeekRange for every day of 1999..2031', () => {
    // Walks every day and checks each week starts on Monday and contains the day: an independent round trip.
    let day = '1999-01-01'
    while (day < '2032-01-01') {
      const { year, week } = isoWeekOf(day)
      const range = isoWeekRange(year, week)
      expect(isoWeekday(range.start)).toBe(1)
      expect(range.start <= day && day <= range.end).toBe(true)
      day = addDays(day, 1)
    }
  })
})

describe('weeksInIsoYear', () => {
  it.each([
    [2015, 53],
    [2020, 53],
    [2026, 53],
    [2032, 53],
    [2004, 53],
    [2021, 52],
    [2023, 52],
    [2024, 52],
    [2025, 52],
    [2100, 52],
  ])('%i has %i weeks', (year, weeks) => {
    expect(weeksInIsoYear(year)).toBe(weeks)
  })
})
