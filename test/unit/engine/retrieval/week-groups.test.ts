import { describe, expect, it } from 'vitest'
import { groupByWeek } from '../../../../electron/engine/retrieval/week-groups'
import type { SearchHit } from '../../../../shared/search'

let next = 0
const hit = (periodStart: string, text: string, periodEnd = periodStart): SearchHit => ({
  chunkId: `c${next++}`, path: `${periodStart}.md`, headingPath: [periodStart], startLine: 1, endLine: 1,
  periodStart, periodEnd, score: 0, snippet: text, text, retrievers: ['period'],
})

describe('groupByWeek', () => {
  it('puts each hit in the Monday-to-Sunday week of its first day inside the period', () => {
    const hits = [hit('2020-04-27', 'monthly note body', '2020-05-31'), hit('2020-05-01', 'friday work'), hit('2020-05-03', 'sunday'), hit('2020-05-04', 'monday')]
    const { weeks, moreWeeks } = groupByWeek(hits, { start: '2020-05-01', end: '2020-05-31' }, 10)
    expect(weeks.map((week) => [week.label, week.period.start, week.period.end, week.passages.length])).toEqual([
      ['2020-W18', '2020-04-27', '2020-05-03', 3],
      ['2020-W19', '2020-05-04', '2020-05-10', 1],
    ])
    expect(moreWeeks).toBe(0)
  })

  it('keeps the first weeks up to the limit and counts the rest', () => {
    const hits = ['2020-01-06', '2020-01-13', '2020-01-20', '2020-01-27'].map((day) => hit(day, 'work'))
    const { weeks, moreWeeks } = groupByWeek(hits, { start: '2020-01-01', end: '2020-01-31' }, 1)
    expect(weeks.map((week) => week.label)).toEqual(['2020-W02'])
    expect(moreWeeks).toBe(3)
    expect(groupByWeek(hits, { start: '2020-01-01', end: '2020-01-31' }, 0)).toEqual({ weeks: [], moreWeeks: 4 })
  })

  it('keeps the passages that say the most, in note order', () => {
    const hits = [
      hit('2020-03-02', '## Next\n- tbd'),
      hit('2020-03-02', 'Migrated the billing database to postgres with Ana'),
      hit('2020-03-03', '## Done\ndone'),
      hit('2020-03-04', 'Reviewed kafka consumer lag dashboards'),
    ]
    const [week] = groupByWeek(hits, { start: '2020-03-01', end: '2020-03-31' }, 5, 2).weeks
    expect(week.passages.map((item) => item.text)).toEqual([hits[1].text, hits[3].text])
    expect(week.morePassages).toBe(2)
  })
})
