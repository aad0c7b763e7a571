import { describe, expect, it } from 'vitest'
import { parseQuery } from '../../../../electron/engine/retrieval/parse-query'

// A Thursday in 2026-W48 (Monday 23 to Sunday 29 November). Every expected range below was worked out by hand
// from a calendar, not copied from the parser's output.
const TODAY = '2026-11-26'
const OPEN_START = '0001-01-01'
const OPEN_END = '9999-12-31'

/** query, expected start, expected end (inclusive). */
const PHRASES: Array<[string, string, string]> = [
  // weekday + date (the inverted ranges)
  ['Friday 2020-05-01', '2020-05-01', '2020-05-01'],
  ['Sunday 2019-03-17', '2019-03-17', '2019-03-17'],
  ['Friday, 1 May 2020', '2020-05-01', '2020-05-01'],
  ['Friday May 1st, 2020', '2020-05-01', '2020-05-01'],
  ['Fri 1 May 2020', '2020-05-01', '2020-05-01'],
  ['on Friday the 1st of May 2020', '2020-05-01', '2020-05-01'],
  ['Sunday, March 17, 2019', '2019-03-17', '2019-03-17'],
  ['Monday 2020/03/02', '2020-03-02', '2020-03-02'],
  ['Friday 1 May', '2026-05-01', '2026-05-01'], // the latest 1 May that was a Friday
  ['Sunday 17 March', '2024-03-17', '2024-03-17'], // 2026 and 2025 fall on other days
  ['Friday 2020-05-02', '2020-05-02', '2020-05-02'], // a wrong weekday: the date wins (with a warning)
  // the week of <date>: the Monday-to-Sunday week holding it
  ['the week of 2 March 2020', '2020-03-02', '2020-03-08'],
  ['week of March 2, 2020', '2020-03-02', '2020-03-08'],
  ['the week of 2020-03-04', '2020-03-02', '2020-03-08'],
  ['week of 8 March 2020', '2020-03-02', '2020-03-08'],
  ['the week of 2 March', '2026-03-02', '2026-03-08'],
  ['week of Friday 1 May 2020', '2020-04-27', '2020-05-03'],
  ['the week of 31 December 2020', '2020-12-28', '2021-01-03'],
  // week starting / commencing / ending: the seven days the phrase names
  ['week starting 1 March 2020', '2020-03-01', '2020-03-07'],
  ['the week beginning 2 March 2020', '2020-03-02', '2020-03-08'],
  ['week commencing 2020-03-02', '2020-03-02', '2020-03-08'],
  ['w/c 2 March 2020', '2020-03-02', '2020-03-08'],
  ['week ending 8 March 2020', '2020-03-02', '2020-03-08'],
  ['the week ending Friday 6 March 2020', '2020-02-29', '2020-03-06'],
  ['week ending 2021-01-03', '2020-12-28', '2021-01-03'],
  // the week before / after <date>
  ['the week before 2 March 2020', '2020-02-24', '2020-03-01'],
  ['the week after 2 March 2020', '2020-03-09', '2020-03-15'],
  ['week before 4 March 2020', '2020-02-24', '2020-03-01'],
  ['the week after the week of 2 March 2020', '2020-03-09', '2020-03-15'],
  ['the week after 28 December 2020', '2021-01-04', '2021-01-10'],
  ['the weekend before 2 March 2020', '2020-02-29', '2020-03-01'], // 2020 is a leap year: Saturday 29 February
  ['the week before last', '2026-11-09', '2026-11-15'],
  // weekends
  ['the weekend of 2 May 2020', '2020-05-02', '2020-05-03'],
  ['weekend of 1 May 2020', '2020-05-02', '2020-05-03'],
  ['the weekend of Sunday 17 March 2019', '2019-03-16', '2019-03-17'],
  ['the weekend of 3 May 2020', '2020-05-02', '2020-05-03'],
  ['last weekend', '2026-11-21', '2026-11-22'],
  ['this weekend', '2026-11-28', '2026-11-29'],
  ['first weekend of May 2020', '2020-05-02', '2020-05-03'],
  ['the last weekend of May 2020', '2020-05-30', '2020-05-31'],
  ['last weekend of February 2020', '2020-02-29', '2020-03-01'],
  // nth week of a month: days 1-7, 8-14, 15-21, 22-28, 29-end; the last week is the month's last seven days
  ['First week of May 2020', '2020-05-01', '2020-05-07'],
  ['the second week of May 2020', '2020-05-08', '2020-05-14'],
  ['third week of March 2021', '2021-03-15', '2021-03-21'],
  ['the 4th week of June 2022', '2022-06-22', '2022-06-28'],
  ['fifth week of March 2021', '2021-03-29', '2021-03-31'],
  ['last week of February 2024', '2024-02-23', '2024-02-29'],
  ['the last week of February 2023', '2023-02-22', '2023-02-28'],
  ['the final week in December 2022', '2022-12-25', '2022-12-31'],
  ['first week of January', '2026-01-01', '2026-01-07'],
  ['the last week of December', '2025-12-25', '2025-12-31'],
  ['first week of 2020', '2020-01-01', '2020-01-07'],
  ['the last week of 2025', '2025-12-25', '2025-12-31'],
  // early / mid / late
  ['late March 2021', '2021-03-21', '2021-03-31'],
  ['early March 2021', '2021-03-01', '2021-03-10'],
  ['mid-March 2021', '2021-03-11', '2021-03-20'],
  ['mid March 2021', '2021-03-11', '2021-03-20'],
  ['the end of March 2021', '2021-03-21', '2021-03-31'],
  ['the beginning of June 2022', '2022-06-01', '2022-06-10'],
  ['the middle of July 2023', '2023-07-11', '2023-07-20'],
  ['start of February 2024', '2024-02-01', '2024-02-10'],
  ['late February 2024', '2024-02-21', '2024-02-29'],
  ['early May', '2026-05-01', '2026-05-10'],
  ['late December', '2025-12-21', '2025-12-31'],
  ['early November', '2026-11-01', '2026-11-10'],
  ['early 2020', '2020-01-01', '2020-04-30'],
  ['mid-2020', '2020-05-01', '2020-08-31'],
  ['late 2019', '2019-09-01', '2019-12-31'],
  ['the end of 2022', '2022-09-01', '2022-12-31'],
  // halves
  ['first half of 2023', '2023-01-01', '2023-06-30'],
  ['the second half of 2022', '2022-07-01', '2022-12-31'],
  ['H1 2024', '2024-01-01', '2024-06-30'],
  // ISO weeks
  ['week 14 of 2020', '2020-03-30', '2020-04-05'],
  ['2020-W14', '2020-03-30', '2020-04-05'],
  ['2020W14', '2020-03-30', '2020-04-05'],
  ['week 14, 2024', '2024-04-01', '2024-04-07'],
  ['the 14th week of 2020', '2020-03-30', '2020-04-05'],
  ['W14 2020', '2020-03-30', '2020-04-05'],
  ['wk 14 2020', '2020-03-30', '2020-04-05'],
  ['W14/2020', '2020-03-30', '2020-04-05'],
  ['in W47', '2026-11-16', '2026-11-22'],
  ['week 1 of 2021', '2021-01-04', '2021-01-10'],
  ['2020-W53', '2020-12-28', '2021-01-03'],
  ['week 47', '2026-11-16', '2026-11-22'],
  ['week 50', '2025-12-08', '2025-12-14'], // 2026-W50 has not begun
  // whole days
  ['2024-03-11', '2024-03-11', '2024-03-11'],
  ['on 5 Jan 2023', '2023-01-05', '2023-01-05'],
  ['January 5th, 2023', '2023-01-05', '2023-01-05'],
  ['the 12th of March 2024', '2024-03-12', '2024-03-12'],
  ['on March 5', '2026-03-05', '2026-03-05'],
  ['yesterday', '2026-11-25', '2026-11-25'],
  ['today', '2026-11-26', '2026-11-26'],
  ['the day before yesterday', '2026-11-24', '2026-11-24'],
  ['3 days ago', '2026-11-23', '2026-11-23'],
  ['on Monday', '2026-11-23', '2026-11-23'],
  ['on Saturday', '2026-11-21', '2026-11-21'],
  ['last Friday', '2026-11-20', '2026-11-20'],
  // months, quarters, years
  ['March 2023', '2023-03-01', '2023-03-31'],
  ['in march of 2024', '2024-03-01', '2024-03-31'],
  ['2024-02', '2024-02-01', '2024-02-29'],
  ['last march', '2026-03-01', '2026-03-31'],
  ['in December', '2025-12-01', '2025-12-31'],
  ['November', '2026-11-01', '2026-11-30'],
  ['in may', '2026-05-01', '2026-05-31'],
  ['Q2 2024', '2024-04-01', '2024-06-30'],
  ['2024 Q3', '2024-07-01', '2024-09-30'],
  ['Q4', '2026-10-01', '2026-12-31'],
  ['2023', '2023-01-01', '2023-12-31'],
  ['in 2019', '2019-01-01', '2019-12-31'],
  // relative ranges
  ['last week', '2026-11-16', '2026-11-22'],
  ['this week', '2026-11-23', '2026-11-29'],
  ['previous week', '2026-11-16', '2026-11-22'],
  ['two weeks ago', '2026-11-09', '2026-11-15'],
  ['last month', '2026-10-01', '2026-10-31'],
  ['this month', '2026-11-01', '2026-11-30'],
  ['last quarter', '2026-07-01', '2026-09-30'],
  ['last year', '2025-01-01', '2025-12-31'],
  ['a year ago', '2025-01-01', '2025-12-31'],
  ['past 3 weeks', '2026-11-06', '2026-11-26'],
  ['next week', '2026-11-30', '2026-12-06'],
  ['the last 10 days', '2026-11-17', '2026-11-26'],
  // joined and open ranges
  ['between January and March 2024', '2024-01-01', '2024-03-31'],
  ['between November and February 2024', '2023-11-01', '2024-02-29'],
  ['from 2022 to 2023', '2022-01-01', '2023-12-31'],
  ['between 2023 and 2021', '2021-01-01', '2023-12-31'], // "between" reads both ways
  ['between 1 March 2020 and 15 March 2020', '2020-03-01', '2020-03-15'],
  ['since May', '2026-05-01', '2026-11-26'],
  ['since March 2025', '2025-03-01', '2026-11-26'],
  ['before March 2023', OPEN_START, '2023-02-28'],
  ['after 2024', '2025-01-01', OPEN_END],
  ['since the week of 2 March 2020', '2020-03-02', '2026-11-26'],
  ['before the week of 2 March 2020', OPEN_START, '2020-03-01'],
  ['after the weekend of 2 May 2020', '2020-05-04', OPEN_END],
  ['until late March 2021', OPEN_START, '2021-03-31'],
]

describe('time phrase table', () => {
  it('has at least 100 phrases', () => {
    expect(PHRASES.length).toBeGreaterThanOrEqual(100)
  })

  it.each(PHRASES)('%s -> %s .. %s', (query, start, end) => {
    const parsed = parseQuery(query, TODAY)
    expect(parsed.period, `period of "${query}"`).not.toBeNull()
    expect({ start: parsed.period!.start, end: parsed.period!.end }).toEqual({ start, end })
    // A phrase alone is a pure time question: nothing is left to search for.
    expect(parsed.text.replace(/[?.!,\s]/g, '')).toBe('')
  })
})

// The same phrases inside whole questions: the period must not change and the content words must survive.
const FRAMES: Array<{ frame: (phrase: string) => string; text: string }> = [
  { frame: (phrase) => `What did I work on ${phrase}?`, text: 'What did I work on ?' },
  { frame: (phrase) => `kubernetes ${phrase}`, text: 'kubernetes' },
  { frame: (phrase) => `${phrase}: what happened with the postgres migration`, text: ': what happened with the postgres migration' },
]

describe('time phrases inside full questions', () => {
  const cases = PHRASES.flatMap(([phrase, start, end]) => FRAMES.map((frame, index) => [frame.frame(phrase), start, end, index] as const))
  it.each(cases)('%s', (question, start, end, frameIndex) => {
    const parsed = parseQuery(question, TODAY)
    expect(parsed.period).not.toBeNull()
    expect({ start: parsed.period!.start, end: parsed.period!.end }).toEqual({ start, end })
    // Prepositions that introduced the phrase ("in", "on", "the") may go with it.
    const words = (text: string) => text.toLowerCase().match(/[a-z]+/g)?.filter((word) => !['in', 'on', 'the', 'of'].includes(word)) ?? []
    expect(words(parsed.text)).toEqual(words(FRAMES[frameIndex].text))
  })

  it.each([
    ['What did I work on in the week of 2 March 2020?', '2020-03-02', '2020-03-08', true],
    ['what happened on Friday 2020-05-01', '2020-05-01', '2020-05-01', true],
    ['cypress tests in the first week of May 2020', '2020-05-01', '2020-05-07', false],
    ['what did I do the weekend of 2 May 2020?', '2020-05-02', '2020-05-03', true],
    ['Summarise late March 2021', '2021-03-21', '2021-03-31', true],
    ['who did I meet the week before 2 March 2020', '2020-02-24', '2020-03-01', false],
  ])('%s', (question, start, end, rangeOnly) => {
    const parsed = parseQuery(question, TODAY)
    expect(parsed.period).toMatchObject({ start, end })
    expect(parsed.rangeOnly).toBe(rangeOnly)
    expect(parsed.periodWarning).toBeNull()
  })
})

describe('a period never starts after it ends', () => {
  it('falls back to no filter, and says so, for phrases that cannot both hold', () => {
    for (const query of ['kafka in March 2020 and 2021', 'Friday 2020-05-01 in 2019', 'this week in 2019', 'Q1 2020 Q3 2020']) {
      const parsed = parseQuery(query, TODAY)
      expect(parsed.period, query).toBeNull()
      expect(parsed.periodWarning, query).toMatch(/do not overlap/)
    }
  })

  it('does not guess at a range written backwards', () => {
    const parsed = parseQuery('from 2023 to 2021', TODAY)
    expect(parsed.period).toBeNull()
    expect(parsed.periodWarning).toMatch(/ends before it starts/)
  })

  it('keeps the operators when a phrase lies outside them', () => {
    const parsed = parseQuery('postgres in 2020 after:2023-01-01', TODAY)
    expect(parsed.period).toEqual({ start: '2023-01-01', end: OPEN_END, label: 'from 2023-01-01' })
    expect(parsed.periodWarning).toMatch(/only the after:\/before: filter/)
    expect(parsed.text).toBe('postgres')
  })

  it('drops operators that leave no day between them', () => {
    const parsed = parseQuery('after:2024-05-01 before:2024-01-01 kafka', TODAY)
    expect(parsed.period).toBeNull()
    expect(parsed.periodWarning).toMatch(/leave no day/)
  })

  it('notes a weekday that does not match its date', () => {
    expect(parseQuery('Friday 2020-05-02', TODAY).periodWarning).toMatch(/2020-05-02 is a Saturday, not a friday/)
  })

  it('reads no period from impossible dates and weeks', () => {
    for (const query of ['fifth week of February 2021', 'the week of 31 February 2020', 'Friday 2020-02-30', 'week 54 of 2020', '2021-W53']) {
      const parsed = parseQuery(query, TODAY)
      if (parsed.period) expect(parsed.period.start <= parsed.period.end, query).toBe(true)
      expect(parsed.period?.start.startsWith('2021-02-29') ?? false).toBe(false)
    }
    expect(parseQuery('fifth week of February 2021', TODAY).period?.label ?? '').not.toMatch(/fifth week/)
    expect(parseQuery('2021-W53', TODAY).period).toBeNull()
  })

  const ODD = [
    '', ' ', '??', 'week', 'week of', 'the week of the', 'weekend of', 'week before', 'week after 2020', 'first week of',
    'last week of 2020 2021', 'between and', 'from to', 'since', 'before after', 'Friday', 'Friday Friday 2020-05-01',
    '2020-05-01 2020-05-03', 'Sunday 2019-03-17 Friday 2020-05-01', 'between 2024-03-01 and 2024-02-01', 'from May to March',
    'from March 2024 to January 2024', 'since 2030', 'after 9999', 'before 0001-01-01', 'week 0 of 2020', 'W00',
    'the week of 2 March 2020 and the week of 9 March 2020', 'late late March', 'mid-mid-2020', 'early 0000',
    'early 9999', 'first week of 9999', 'last week of 0001', 'week ending 0001-01-03', 'the week before 0001-01-01',
    'the week after 9999-12-31', 'weekend of 9999-12-31', 'between Q4 2024 and Q1 2024', 'since tomorrow', 'next week',
    'next month', 'March 2023 last week', 'yesterday 2020', 'in 2023 in 2024', 'w/c', 'w/c 2020-13-01',
    'after:2024 before:2023', 'after:2023-01-01 2020', 'before:2020 since 2021', 'the 5th week of 2020 of 2021',
    '🎉 week of 2 March 2020 🎉', 'WEEK OF 2 MARCH 2020', 'week\tof\n2 March 2020', 'x'.repeat(5_000) + ' week of 2 March 2020',
  ]
  it.each(ODD)('odd input %#', (query) => {
    const parsed = parseQuery(query, TODAY)
    if (parsed.period) expect(parsed.period.start <= parsed.period.end, `${query} -> ${JSON.stringify(parsed.period)}`).toBe(true)
  })

  it('holds for thousands of random phrase soups', () => {
    // A seeded generator: the same soups every run, so a failure can be replayed.
    let seed = 20261126
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31)
    const words = [
      'week', 'weekend', 'of', 'the', 'before', 'after', 'between', 'and', 'to', 'from', 'since', 'until', 'in', 'on',
      'last', 'first', 'second', 'this', 'early', 'mid', 'late', 'end', 'March', 'May', 'December', 'Friday', 'Sunday',
      '2', '17', '31', '1st', '2019', '2020', '2021', '2020-05-01', '2019-03-17', '2020-W14', 'Q2', 'half', 'w/c',
      'ending', 'starting', 'ago', 'two', 'yesterday', 'kubernetes', 'after:2021-01-01', 'before:2020-06-01',
    ]
    for (let index = 0; index < 3_000; index++) {
      const length = 1 + Math.floor(random() * 9)
      const query = Array.from({ length }, () => words[Math.floor(random() * words.length)]).join(' ')
      const parsed = parseQuery(query, TODAY)
      if (parsed.period) expect(parsed.period.start <= parsed.period.end, `${query} -> ${JSON.stringify(parsed.period)}`).toBe(true)
    }
  })
})
