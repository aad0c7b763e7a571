import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Searcher } from '../../../../electron/engine/retrieval/searcher'
import type { SearchHit } from '../../../../shared/search'
import { createRetrievalFixture, type FixtureNote, type RetrievalFixture } from './retrieval-fixture'

const week = (number: number, start: string, end: string, sections: FixtureNote['sections']): FixtureNote => ({
  path: `2020/2020-W${String(number).padStart(2, '0')}.md`, start, end, sections,
})

const NOTES: FixtureNote[] = [
  week(10, '2020-03-02', '2020-03-08', [
    { heading: 'Done', text: 'Set up the build pipeline, reviewed three pull requests, paired with Ana on the billing export, and touched kafka once.' },
    { heading: 'Learned', text: 'Docker layer caching matters more than the runner size for build times.' },
    { heading: 'People', text: 'Lunch with Ana and Tomas about the billing export deadline.' },
    { heading: 'Next', text: '- tbd' },
  ]),
  week(11, '2020-03-09', '2020-03-15', [
    { heading: 'Done', text: 'First terraform module for the staging network, reviewed by Tomas.' },
    { heading: 'Learned', text: 'Terraform state locking needs the dynamodb table before anything else.' },
    { heading: 'People', text: 'One-to-one with Priya about the on-call rota and vacation planning.' },
    { heading: 'Next', text: '- tbd' },
  ]),
  // Two pieces of one long section, overlapping on lines 6-7 as the chunker's overlap makes them.
  week(12, '2020-03-16', '2020-03-22', [
    { heading: 'Done', raw: true, startLine: 1, text: '## Done\nterraform plan for the production network\nterraform apply in staging\nrotated the database credentials\nwrote the runbook for failover\nshared: terraform drift check nightly\nshared: alert on drift in the ops channel' },
    { heading: 'Done', raw: true, startLine: 6, text: 'shared: terraform drift check nightly\nshared: alert on drift in the ops channel\nterraform import of the legacy buckets\ncleaned up terraform workspaces' },
  ]),
  week(13, '2020-03-23', '2020-03-29', [
    { heading: 'Done', text: 'Kafka consumer lag investigation: kafka consumer group rebalancing caused the lag spikes; tuned kafka session timeouts.' },
    { heading: 'Learned', text: 'Remote work week one: the team moved standups to video calls.' },
  ]),
  week(14, '2020-03-30', '2020-04-05', [
    { heading: 'Done', text: 'Terraform module for the monitoring stack; grafana dashboards for consumer lag.' },
    { heading: 'Next', text: '- tbd' },
  ]),
  week(15, '2020-04-06', '2020-04-12', [{ heading: 'Done', text: 'Quarterly planning and the billing export launch.' }]),
  { path: '2020/05-May-2020.md', start: '2020-05-01', end: '2020-05-01', sections: [{ heading: 'Friday 2020-05-01', text: 'Cypress end-to-end tests for the checkout flow, fixed two flaky specs.' }] },
  { path: '2020/05-May-2020-weekend.md', start: '2020-05-02', end: '2020-05-03', sections: [{ heading: 'The Weekend', text: 'Gardening and a long bike ride; no work.' }] },
]

function expectNoRepeatedLines(hits: SearchHit[]) {
  for (const [index, hit] of hits.entries()) {
    for (const other of hits.slice(index + 1)) {
      if (other.path !== hit.path) continue
      expect(other.startLine > hit.endLine || other.endLine < hit.startLine, `${hit.path}:${hit.startLine}-${hit.endLine} and ${other.startLine}-${other.endLine}`).toBe(true)
    }
  }
}

describe('ranking and week grouping over real stores', () => {
  let fixture: RetrievalFixture
  let searcher: Searcher

  beforeAll(async () => {
    fixture = await createRetrievalFixture(NOTES)
    searcher = new Searcher({
      meta: fixture.meta,
      vectors: () => ({ store: fixture.vectors, table: fixture.table }),
      embedder: () => fixture.embedder,
      now: () => new Date('2026-11-26T09:00:00Z'),
    })
  })
  afterAll(async () => fixture?.dispose())

  it('groups a pure time question by week, honours limit as weeks and counts the rest', async () => {
    const result = await searcher.search('what did I do in March 2020?', { limit: 2 })
    expect(result.rangeOnly).toBe(true)
    expect(result.weeks?.map((group) => group.label)).toEqual(['2020-W10', '2020-W11'])
    expect(result.weeks?.[0].period).toEqual({ start: '2020-03-02', end: '2020-03-08' })
    // March 2020 touches W10 to W14: three more weeks matched.
    expect(result.moreWeeks).toBe(3)
    for (const group of result.weeks!) {
      expect(group.passages).toHaveLength(3)
      expect(group.morePassages).toBe(1)
      // The template stub is the passage left out; the others stay in note order.
      expect(group.passages.map((hit) => hit.headingPath[1])).toEqual(['Done', 'Learned', 'People'])
    }
    // hits are the shown weeks' passages, by date, scores descending.
    expect(result.hits.map((hit) => hit.path)).toEqual([...Array(3).fill('2020/2020-W10.md'), ...Array(3).fill('2020/2020-W11.md')])
    const scores = result.hits.map((hit) => hit.score)
    expect([...scores].sort((a, b) => b - a)).toEqual(scores)
  })

  it('gives every passage of the range when asked (the answer pipeline summarises them all)', async () => {
    const result = await searcher.search('what did I do in March 2020?', { limit: 2, allPassages: true })
    expect(result.weeks).toHaveLength(2)
    const paths = new Set(result.hits.map((hit) => hit.path))
    expect([...paths]).toEqual(['2020/2020-W10.md', '2020/2020-W11.md', '2020/2020-W12.md', '2020/2020-W13.md', '2020/2020-W14.md'])
    expectNoRepeatedLines(result.hits)
  })

  it('ranks by relevance inside the period when the question has content words', async () => {
    const result = await searcher.search('kafka consumer lag in March 2020')
    expect(result.rangeOnly).toBe(false)
    expect(result.weeks).toBeNull()
    expect(result.hits[0].path).toBe('2020/2020-W13.md')
    const dates = result.hits.map((hit) => hit.periodStart)
    // Not date order: the strongest match (W13) comes before the passing mention (W10).
    expect(dates).not.toEqual([...dates].sort())
    for (const hit of result.hits) expect(hit.periodStart <= '2020-03-31' && hit.periodEnd >= '2020-03-01').toBe(true)
  })

  it('never returns the same lines twice: an overlapping piece keeps only its own lines', async () => {
    const result = await searcher.search('terraform drift', { limit: 20 })
    expectNoRepeatedLines(result.hits)
    const pieces = result.hits.filter((hit) => hit.path === '2020/2020-W12.md').sort((a, b) => a.startLine - b.startLine)
    expect(pieces).toHaveLength(2)
    const [first, second] = pieces
    // Whichever ranked lower was cut to the lines the other does not cite, text and all.
    if (first.endLine === 7) {
      expect([second.startLine, second.endLine]).toEqual([8, 9])
      expect(second.text).toBe('terraform import of the legacy buckets\ncleaned up terraform workspaces')
    } else {
      expect([first.startLine, first.endLine, second.startLine, second.endLine]).toEqual([1, 5, 6, 9])
      expect(first.text.split('\n')).toHaveLength(5)
    }
  })

  it('dedupes the pieces in a week listing too', async () => {
    const result = await searcher.search('the week of 16 March 2020')
    expect(result.period).toMatchObject({ start: '2020-03-16', end: '2020-03-22' })
    expect(result.weeks?.map((group) => group.label)).toEqual(['2020-W12'])
    expectNoRepeatedLines(result.hits)
    expect(result.hits.map((hit) => [hit.startLine, hit.endLine])).toEqual([[1, 7], [8, 9]])
  })

  it('orders first/last questions by date', async () => {
    const first = await searcher.search('when did I first use terraform')
    const firstDates = first.hits.filter((hit) => /terraform/i.test(hit.text)).map((hit) => hit.periodStart)
    expect(first.hits[0].path).toBe('2020/2020-W11.md')
    expect(firstDates).toEqual([...firstDates].sort())
    const last = await searcher.search('the last time I worked on terraform')
    expect(last.hits[0].path).toBe('2020/2020-W14.md')
    const lastDates = last.hits.filter((hit) => /terraform/i.test(hit.text)).map((hit) => hit.periodStart)
    expect(lastDates).toEqual([...lastDates].sort().reverse())
  })

  it('finds the day of a weekday + date question and the weekend of a date', async () => {
    const friday = await searcher.search('What did I work on on Friday 2020-05-01?')
    expect(friday.period).toMatchObject({ start: '2020-05-01', end: '2020-05-01' })
    expect(friday.hits.map((hit) => hit.path)).toEqual(['2020/05-May-2020.md'])
    const weekend = await searcher.search('the weekend of 2 May 2020')
    expect(weekend.hits.map((hit) => hit.path)).toEqual(['2020/05-May-2020-weekend.md'])
    const cypress = await searcher.search('cypress the first week of May 2020')
    expect(cypress.hits[0].path).toBe('2020/05-May-2020.md')
  })

  it('says why a contradictory question is searched without a time filter', async () => {
    const result = await searcher.search('kafka in March 2020 and 2021')
    expect(result.period).toBeNull()
    expect(result.periodWarning).toMatch(/do not overlap/)
    expect(result.hits.some((hit) => hit.path === '2020/2020-W13.md')).toBe(true)
  })
})
