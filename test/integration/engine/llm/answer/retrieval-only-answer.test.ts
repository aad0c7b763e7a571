import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { answerQuestion } from '../../../../../electron/engine/llm/answer/answer-question'
import { Searcher } from '../../../../../electron/engine/retrieval/searcher'
import type { Citation } from '../../../../../shared/answer'
import { defaultSettings, mergeSettings } from '../../../../../shared/settings'
import { createRetrievalFixture, type FixtureNote, type RetrievalFixture } from '../../retrieval/retrieval-fixture'

// Weekly notes over five weeks of March 2020; W12's long section is split in two overlapping pieces.
const NOTES: FixtureNote[] = [
  { path: '2020/2020-W10.md', start: '2020-03-02', end: '2020-03-08', sections: [
    { heading: 'Done', text: 'Build pipeline work; a passing mention of kafka in the standup.' },
    { heading: 'People', text: 'Lunch with Ana about the billing export.' },
  ] },
  { path: '2020/2020-W11.md', start: '2020-03-09', end: '2020-03-15', sections: [{ heading: 'Done', text: 'First terraform module for the staging network.' }] },
  { path: '2020/2020-W12.md', start: '2020-03-16', end: '2020-03-22', sections: [
    { heading: 'Done', raw: true, startLine: 1, text: '## Done\nkafka topic cleanup\nkafka retention policy\nshared: partition alert\nshared: broker dashboard' },
    { heading: 'Done', raw: true, startLine: 4, text: 'shared: partition alert\nshared: broker dashboard\nbroker runbook' },
  ] },
  { path: '2020/2020-W13.md', start: '2020-03-23', end: '2020-03-29', sections: [{ heading: 'Done', text: 'Kafka consumer lag: kafka consumer group rebalancing caused the kafka consumer lag spikes.' }] },
  { path: '2020/2020-W14.md', start: '2020-03-30', end: '2020-04-05', sections: [{ heading: 'Done', text: 'Grafana dashboards for the monitoring stack.' }] },
]

const settings = mergeSettings(defaultSettings(), { routing: { policy: 'local-only' } })

function expectDistinctLines(citations: Citation[]) {
  for (const [index, citation] of citations.entries()) {
    for (const other of citations.slice(index + 1)) {
      if (other.path === citation.path) expect(other.startLine > citation.endLine || other.endLine < citation.startLine).toBe(true)
    }
  }
}

describe('retrieval-only answers over real stores', () => {
  let fixture: RetrievalFixture
  let searcher: Searcher

  beforeAll(async () => {
    fixture = await createRetrievalFixture(NOTES)
    searcher = new Searcher({ meta: fixture.meta, vectors: () => ({ store: fixture.vectors, table: fixture.table }), embedder: () => fixture.embedder })
  })
  afterAll(async () => fixture?.dispose())

  const ask = (question: string, limit?: number) =>
    answerQuestion(
      { answerId: 'a1', question, today: '2026-11-26', limit },
      { search: (query, options, signal) => searcher.search(query, options, signal), loadLocal: null, gateway: null, settings, onDelta: () => undefined },
    )

  it('keeps relevance order inside the period for a question with content words', async () => {
    const answer = await ask('kafka consumer lag in March 2020')
    expect(answer.meta).toMatchObject({ backend: 'retrieval-only', strategy: 'retrieval-only', weeks: null })
    expect(answer.meta.period).toMatchObject({ start: '2020-03-01', end: '2020-03-31' })
    expect(answer.sources[0].path).toBe('2020/2020-W13.md')
    const dates = answer.sources.map((source) => source.periodStart)
    expect(dates).not.toEqual([...dates].sort())
    expectDistinctLines(answer.sources)
    expect(answer.text.indexOf('2020/2020-W13.md')).toBeLessThan(answer.text.indexOf('2020/2020-W10.md'))
  })

  it('lists a pure time question week by week, honours the limit in weeks and says how many more matched', async () => {
    const answer = await ask('What did I work on in March 2020?', 2)
    expect(answer.meta.weeks?.map((week) => week.label)).toEqual(['2020-W10', '2020-W11'])
    expect(answer.meta.moreWeeks).toBe(3)
    expect(answer.sources.map((source) => source.path)).toEqual(['2020/2020-W10.md', '2020/2020-W10.md', '2020/2020-W11.md'])
    expect(answer.meta.weeks?.flatMap((week) => week.sources)).toEqual([1, 2, 3])
    expect(answer.text).toMatch(/week by week/)
    expect(answer.text).toMatch(/2020-W10 \(2020-03-02 to 2020-03-08\)\n\[1\] 2020\/2020-W10\.md:1-2/)
    expect(answer.text).toMatch(/3 more weeks matched\.$/)
    expect(answer.citations.map((citation) => citation.n)).toEqual([1, 2, 3])
  })

  it('never cites the same lines twice in a week listing', async () => {
    const answer = await ask('what did I do the week of 16 March 2020?')
    expect(answer.meta.weeks?.map((week) => week.label)).toEqual(['2020-W12'])
    expect(answer.sources.map((source) => [source.startLine, source.endLine])).toEqual([[1, 5], [6, 6]])
    expectDistinctLines(answer.sources)
  })

  it('reports a period it could not use', async () => {
    const answer = await ask('kafka in March 2020 and 2021')
    expect(answer.meta.period).toBeNull()
    expect(answer.meta.periodWarning).toMatch(/do not overlap/)
    expect(answer.text).toMatch(/do not overlap/)
  })
})
