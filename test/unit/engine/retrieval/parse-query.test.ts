import { describe, expect, it } from 'vitest'
import { orderIntent, parseQuery } from '../../../../electron/engine/retrieval/parse-query'

const TODAY = '2026-11-26' // a Thursday, in 2026-W48

describe('parseQuery time phrases', () => {
  const cases: Array<[string, string, string, string, string]> = [
    // query, text, start, end, label
    ['postgres migration in March 2023', 'postgres migration', '2023-03-01', '2023-03-31', 'March 2023'],
    ['March 2023', '', '2023-03-01', '2023-03-31', 'March 2023'],
    ['what shipped in march of 2024?', 'what shipped ?', '2024-03-01', '2024-03-31', 'March 2024'],
    ['last week', '', '2026-11-16', '2026-11-22', 'last week (2026-W47)'],
    ['this week', '', '2026-11-23', '2026-11-29', 'this week (2026-W48)'],
    ['two weeks ago', '', '2026-11-09', '2026-11-15', '2 weeks ago (2026-W46)'],
    ['last month', '', '2026-10-01', '2026-10-31', 'last month (October 2026)'],
    ['deploys this month', 'deploys', '2026-11-01', '2026-11-30', 'this month (November 2026)'],
    ['Q2 2024 search feature', 'search feature', '2024-04-01', '2024-06-30', 'Q2 2024'],
    ['2023', '', '2023-01-01', '2023-12-31', '2023'],
    ['kafka in 2022', 'kafka', '2022-01-01', '2022-12-31', '2022'],
    ['week 14 of 2024', '', '2024-04-01', '2024-04-07', '2024-W14'],
    ['2024-W14', '', '2024-04-01', '2024-04-07', '2024-W14'],
    ['2020-W53', '', '2020-12-28', '2021-01-03', '2020-W53'],
    ['kubernetes between January and March 2024', 'kubernetes', '2024-01-01', '2024-03-31', 'January to March 2024'],
    ['between November and February 2024', '', '2023-11-01', '2024-02-29', 'November 2023 to February 2024'],
    ['from 2022 to 2023', '', '2022-01-01', '2023-12-31', '2022 to 2023'],
    ['since May', '', '2026-05-01', '2026-11-26', 'since May 2026'],
    ['redis since March 2025', 'redis', '2025-03-01', '2026-11-26', 'since March 2025'],
    ['last march', '', '2026-03-01', '2026-03-31', 'March 2026'],
    ['in December', '', '2025-12-01', '2025-12-31', 'December 2025'],
    ['November', '', '2026-11-01', '2026-11-30', 'November 2026'],
    ['yesterday', '', '2026-11-25', '2026-11-25', 'yesterday (2026-11-25)'],
    ['2024-03-11', '', '2024-03-11', '2024-03-11', '2024-03-11'],
    ['budget 2024-02', 'budget', '2024-02-01', '2024-02-29', 'February 2024'],
    ['last quarter', '', '2026-07-01', '2026-09-30', 'last quarter (Q3 2026)'],
    ['past 3 weeks', '', '2026-11-06', '2026-11-26', 'past 3 weeks (2026-11-06 to 2026-11-26)'],
    ['before March 2023', '', '0001-01-01', '2023-02-28', 'before March 2023'],
    ['what happened on March 5', 'what happened', '2026-03-05', '2026-03-05', '2026-03-05'],
    ['standup on 5 Jan 2023', 'standup', '2023-01-05', '2023-01-05', '2023-01-05'],
    ['Q4', '', '2026-10-01', '2026-12-31', 'Q4 2026'],
    ['in may', '', '2026-05-01', '2026-05-31', 'May 2026'],
  ]
  it.each(cases)('%s', (query, text, start, end, label) => {
    const parsed = parseQuery(query, TODAY)
    expect(parsed.text).toBe(text)
    expect(parsed.period).toEqual({ start, end, label })
  })
})

describe('parseQuery operators', () => {
  it('reads after (inclusive) and before (exclusive)', () => {
    const parsed = parseQuery('after:2023-01-01 before:2023-04-01 postgres', TODAY)
    expect(parsed).toEqual({
      text: 'postgres',
      period: { start: '2023-01-01', end: '2023-03-31', label: '2023-01-01 to 2023-03-31' },
      pathPrefix: null,
      rangeOnly: false,
      periodWarning: null,
    })
  })

  it('takes in: as a folder and combines it with a phrase', () => {
    const parsed = parseQuery('in:projects/ deploy in March 2023', TODAY)
    expect(parsed.pathPrefix).toBe('projects/')
    expect(parsed.text).toBe('deploy')
    expect(parsed.period?.label).toBe('March 2023')
  })

  it('intersects an operator with a phrase', () => {
    const parsed = parseQuery('after:2023-03-15 March 2023', TODAY)
    expect(parsed.period).toEqual({ start: '2023-03-15', end: '2023-03-31', label: '2023-03-15 to 2023-03-31' })
  })

  it('keeps the narrower label when one range holds the other', () => {
    expect(parseQuery('after:2023 2023-W10', TODAY).period?.label).toBe('2023-W10')
  })

  it('accepts quoted, Windows-style and month-only operator values', () => {
    const parsed = parseQuery('in:"my notes\\work" after:2024-02 kafka', TODAY)
    expect(parsed.pathPrefix).toBe('my notes/work')
    expect(parsed.period?.start).toBe('2024-02-01')
    expect(parsed.text).toBe('kafka')
  })

  it('leaves operators with unreadable values in the text', () => {
    const parsed = parseQuery('after:someday kafka', TODAY)
    expect(parsed.period).toBeNull()
    expect(parsed.text).toBe('after:someday kafka')
  })
})

describe('parseQuery range-only questions', () => {
  it.each([
    ['what was I doing last week?', true],
    ['What did I do in March 2023', true],
    ['summarise Q1 2024', true],
    ['what did I work on 2 weeks ago', true],
    ['postgres last week', false],
    ['what was I doing', false], // no period: nothing to list
  ])('%s -> %s', (query, expected) => {
    expect(parseQuery(query, TODAY).rangeOnly).toBe(expected)
  })
})

describe('parseQuery leaves ordinary words alone', () => {
  it.each(['may I ask about redis', 'sun is shining', 'march on with the migration plan', 'the 2nd attempt', 'meet at 5', 'latency under 2000 ms', 'late 2000 ms responses', 'mid 2048 rows', 'where is my W2 form', 'cache of 2048 rows', 'budget $2024', 'port 2049 nfs', 'version 2021.3'])('%s', (query) => {
    const parsed = parseQuery(query, TODAY)
    expect(parsed.period).toBeNull()
    expect(parsed.text).toBe(query)
  })
})

describe('parseQuery is safe on any input', () => {
  it.each([
    '', '   ', '?', '"', '"unterminated', 'NEAR(a b', 'a* OR -b AND ^c', '🎉🚀 launch', '\u0000\u001f', 'ü ß 日本語',
    'x'.repeat(10_000), 'in:', 'after:', 'in:""', '2023-13-45', 'week 99 of 2024', '2023-W60', 'Q5 2024',
  ])('%#', (query) => {
    const started = performance.now()
    const parsed = parseQuery(query, TODAY)
    expect(typeof parsed.text).toBe('string')
    expect(parsed.text.length).toBeLessThanOrEqual(10_000)
    if (parsed.period) expect(parsed.period.start <= parsed.period.end).toBe(true)
    expect(performance.now() - started).toBeLessThan(2_000)
  })

  it('does not treat impossible weeks and months as periods', () => {
    expect(parseQuery('2023-W60', TODAY).period).toBeNull()
    expect(parseQuery('week 99 of 2024', TODAY).period?.label).not.toBe('2024-W99')
  })
})

describe('parseQuery whole dates', () => {
  it.each([
    ['standup on 5 Jan 2023', '2023-01-05'],
    ['January 5th, 2023', '2023-01-05'],
    ['the 12th of March 2024 retro', '2024-03-12'],
  ])('%s', (query, day) => {
    expect(parseQuery(query, TODAY).period).toMatchObject({ start: day, end: day })
  })
})

describe('orderIntent', () => {
  it.each([
    ['when did I first try Kubernetes', { order: 'first', topic: 'kubernetes' }],
    ['last time I worked on the mobile app release', { order: 'last', topic: 'mobile app release' }],
    ['when did the billing rewrite start', { order: 'first', topic: 'billing rewrite' }],
    ['most recent dentist appointment', { order: 'last', topic: 'dentist appointment' }],
    ['postgres migration', null],
    ['the first time', null],
  ])('%s', (text, expected) => {
    expect(orderIntent(text)).toEqual(expected)
  })
})

describe('parseQuery relative synonyms', () => {
  it.each([
    ['previous week', 'last week (2026-W47)'],
    ['current month', 'this month (November 2026)'],
    ['last year', 'last year (2025)'],
    ['this quarter', 'this quarter (Q4 2026)'],
    ['3 days ago', '3 days ago (2026-11-23)'],
    ['a year ago', '1 year ago (2025)'],
  ])('%s', (query, label) => {
    expect(parseQuery(query, TODAY).period?.label).toBe(label)
  })
})

describe('a weekday name inside a name is not a date', () => {
  it.each(['Brew Monday', 'Software Architecture Monday', 'Cyber Monday sale', 'Good Friday plans'])('%s has no period', (query) => {
    expect(parseQuery(query, '2026-07-31').period).toBeNull()
  })
  it.each(['what did I do on Monday', 'notes since Friday'])('%s has a period', (query) => {
    expect(parseQuery(query, '2026-07-31').period).not.toBeNull()
  })
})
