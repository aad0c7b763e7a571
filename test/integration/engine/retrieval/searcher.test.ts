import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BrainError } from '../../../../shared/errors'
import { SNIPPET_MARK_END, SNIPPET_MARK_START, splitSnippet } from '../../../../shared/search'
import { Searcher } from '../../../../electron/engine/retrieval/searcher'
import { createRetrievalFixture, loadTinyEmbedder, type FixtureNote, type RetrievalFixture } from './retrieval-fixture'

const NOTES: FixtureNote[] = [
  {
    path: '2023/2023-W10.md', start: '2023-03-06', end: '2023-03-12',
    sections: [
      { heading: 'Done', text: 'Started the Postgres migration plan with Dana. Wrote the schema diff script.' },
      { heading: 'Learned', text: 'Logical replication needs a primary key on every table.' },
    ],
  },
  {
    path: '2023/2023-W14.md', start: '2023-04-03', end: '2023-04-09',
    sections: [
      { heading: 'Done', text: 'Tried Kubernetes for the first time: a kind cluster on my laptop.' },
      { heading: 'Next', text: 'Finish the Postgres migration cutover rehearsal.' },
    ],
  },
  {
    path: '2024/2024-W02.md', start: '2024-01-08', end: '2024-01-14',
    sections: [
      { heading: 'Done', text: 'Postgres vacuum tuning after the migration. Search feature ranking review with Omar.' },
      { heading: 'People', text: 'Coffee with Priya about the hiring plan.' },
    ],
  },
  {
    path: 'projects/search.md', start: '2024-01-10', end: '2024-01-10',
    sections: [{ heading: 'Search feature', text: 'Search feature design: hybrid keyword and vector ranking, snippets.' }],
  },
  {
    path: '2024/2024-03-11.md', start: '2024-03-11', end: '2024-03-11',
    sections: [{ heading: 'Notes', text: 'Dentist appointment, then the budget report for the team.' }],
  },
]

describe('Searcher over real stores', () => {
  let fixture: RetrievalFixture
  let searcher: Searcher

  beforeAll(async () => {
    fixture = await createRetrievalFixture(NOTES)
    searcher = new Searcher({
      meta: fixture.meta,
      vectors: () => ({ store: fixture.vectors, table: fixture.table }),
      embedder: () => fixture.embedder,
      now: () => new Date('2024-04-10T09:00:00Z'),
    })
  })
  afterAll(async () => fixture?.dispose())

  it('runs hybrid search: keyword matches first, both retrievers recorded, snippets marked', async () => {
    const result = await searcher.search('postgres migration')
    expect(result.mode).toBe('hybrid')
    expect(result.modeReason).toBeNull()
    expect(result.searchedText).toBe('postgres migration')
    expect(result.hits.length).toBeGreaterThanOrEqual(3)
    const top = result.hits.slice(0, 3)
    for (const hit of top) expect(hit.text.toLowerCase()).toContain('postgres')
    expect(top.some((hit) => hit.retrievers.includes('keyword') && hit.retrievers.includes('vector'))).toBe(true)
    expect(top[0].snippet).toContain(`${SNIPPET_MARK_START}`)
    const scores = result.hits.map((hit) => hit.score)
    expect([...scores].sort((a, b) => b - a)).toEqual(scores)
    expect(result.tookMs).toBeGreaterThanOrEqual(0)
  })

  it('fills every field of a hit from the stored chunk', async () => {
    const [hit] = (await searcher.search('kubernetes kind cluster')).hits
    expect(hit).toMatchObject({
      path: '2023/2023-W14.md',
      headingPath: ['2023-W14', 'Done'],
      startLine: 1,
      endLine: 2,
      periodStart: '2023-04-03',
      periodEnd: '2023-04-09',
    })
    expect(hit.chunkId).toMatch(/^[0-9a-f]{24}$/)
    expect(hit.text).toContain('Tried Kubernetes')
  })

  it('keeps every hit of a time-scoped query inside its period', async () => {
    const result = await searcher.search('postgres migration in March 2023')
    expect(result.period).toEqual({ start: '2023-03-01', end: '2023-03-31', label: 'March 2023' })
    expect(result.searchedText).toBe('postgres migration')
    expect(result.hits.length).toBeGreaterThan(0)
    for (const hit of result.hits) expect(hit.periodStart <= '2023-03-31' && hit.periodEnd >= '2023-03-01').toBe(true)
    expect(result.hits[0].path).toBe('2023/2023-W10.md')
  })

  it('lists a whole range by date for a range-only question', async () => {
    const result = await searcher.search('what was I doing in 2024?')
    expect(result.rangeOnly).toBe(true)
    expect(result.hits.map((hit) => hit.path)).toEqual(['2024/2024-W02.md', '2024/2024-W02.md', 'projects/search.md', '2024/2024-03-11.md'])
    expect(result.hits.every((hit) => hit.retrievers.join() === 'period')).toBe(true)
    expect(result.weeks?.map((week) => week.label)).toEqual(['2024-W02', '2024-W11'])
    expect(result.moreWeeks).toBe(0)
  })

  it('resolves relative phrases against the injected clock or options.today', async () => {
    const lastWeek = await searcher.search('what did I do last week')
    expect(lastWeek.period?.label).toBe('last week (2024-W14)')
    const pinned = await searcher.search('what did I do last week', { today: '2023-04-12' })
    expect(pinned.period?.label).toBe('last week (2023-W14)')
    expect(pinned.hits.map((hit) => hit.path)).toEqual(['2023/2023-W14.md', '2023/2023-W14.md'])
  })

  it('applies in: and the pathPrefix option', async () => {
    const viaOperator = await searcher.search('in:projects/ search feature')
    expect(viaOperator.pathPrefix).toBe('projects/')
    expect(viaOperator.hits.map((hit) => hit.path)).toEqual(['projects/search.md'])
    const viaOption = await searcher.search('search feature', { pathPrefix: '2024/' })
    expect(viaOption.hits.length).toBeGreaterThan(0)
    expect(viaOption.hits.every((hit) => hit.path.startsWith('2024/'))).toBe(true)
    expect((await searcher.search('in:projects/ search', { pathPrefix: '2023/' })).hits).toEqual([])
  })

  it('applies after/before options with the query phrase', async () => {
    const result = await searcher.search('postgres', { after: '2024-01-01' })
    expect(result.hits.length).toBeGreaterThan(0)
    for (const hit of result.hits) expect(hit.periodEnd >= '2024-01-01').toBe(true)
    await expect(searcher.search('postgres', { before: 'soon' })).rejects.toMatchObject({ code: 'invalid-input' })
    // A phrase outside the explicit filter gives way to it, with a warning, instead of an inverted period.
    const outside = await searcher.search('postgres 2023', { after: '2024-01-01' })
    expect(outside.period).toEqual({ start: '2024-01-01', end: '9999-12-31', label: 'from 2024-01-01' })
    expect(outside.periodWarning).toMatch(/2023 is outside the filter/)
    expect(outside.hits.length).toBeGreaterThan(0)
    for (const hit of outside.hits) expect(hit.periodEnd >= '2024-01-01').toBe(true)
    const empty = await searcher.search('postgres', { after: '2024-05-01', before: '2024-01-01' })
    expect(empty.period).toBeNull()
    expect(empty.periodWarning).toMatch(/leaves no day/)
  })

  it('builds marked snippets for hits only the vectors found', async () => {
    const result = await searcher.search('cluster laptop appointment', { limit: 20 })
    const vectorOnly = result.hits.filter((hit) => hit.retrievers.length === 1 && hit.retrievers[0] === 'vector')
    expect(vectorOnly.length).toBeGreaterThan(0)
    for (const hit of vectorOnly) {
      expect(hit.snippet.length).toBeGreaterThan(0)
      expect(hit.snippet.split(SNIPPET_MARK_START).length).toBe(hit.snippet.split(SNIPPET_MARK_END).length)
    }
    const marked = result.hits.flatMap((hit) => splitSnippet(hit.snippet).filter((part) => part.marked).map((part) => part.text.toLowerCase()))
    expect(marked).toEqual(expect.arrayContaining(['cluster', 'appointment']))
  })

  it('puts the earliest or latest note on a topic first for first/last questions', async () => {
    const first = await searcher.search('when did I first work on the postgres migration')
    expect(first.hits[0].path).toBe('2023/2023-W10.md')
    const last = await searcher.search('the last time I touched postgres')
    expect(last.hits[0].path).toBe('2024/2024-W02.md')
    const scores = last.hits.map((hit) => hit.score)
    expect([...scores].sort((a, b) => b - a)).toEqual(scores)
    // Without the intent words, relevance decides.
    expect((await searcher.search('postgres migration')).hits[0].path).not.toBe('2024/2024-W02.md')
  })

  it('respects limit', async () => {
    expect((await searcher.search('the', { limit: 2 })).hits.length).toBeLessThanOrEqual(2)
    expect((await searcher.search('postgres search kubernetes dentist', { limit: 3 })).hits).toHaveLength(3)
  })

  it('never throws on nasty queries', async () => {
    for (const query of ['', '?', '"', 'NEAR(a b', 'a* OR -b', '🎉', 'x'.repeat(10_000), 'in:', '\u0000', "'; DROP TABLE chunks; --"]) {
      const result = await searcher.search(query)
      expect(Array.isArray(result.hits)).toBe(true)
    }
  })

  it('stops with an aborted error when the signal fires', async () => {
    const controller = new AbortController()
    controller.abort()
    await expect(searcher.search('postgres', {}, controller.signal)).rejects.toSatisfy((error) => BrainError.is(error, 'aborted'))
  })

  it('finds related notes by vectors, never the note itself, one hit per note', async () => {
    const related = await searcher.related('2023/2023-W10.md', 3)
    expect(related.length).toBe(3)
    expect(related.every((hit) => hit.path !== '2023/2023-W10.md')).toBe(true)
    expect(new Set(related.map((hit) => hit.path)).size).toBe(related.length)
    expect(related.every((hit) => hit.retrievers.join() === 'vector')).toBe(true)
    // Postgres-migration notes share the most words with W10.
    expect(['2023/2023-W14.md', '2024/2024-W02.md']).toContain(related[0].path)
    await expect(searcher.related('missing.md')).rejects.toMatchObject({ code: 'not-found' })
  })
})

describe('Searcher while the engine is still starting (a one-shot reader)', () => {
  let fixture: RetrievalFixture

  beforeAll(async () => {
    fixture = await createRetrievalFixture(NOTES)
  })
  afterAll(async () => fixture?.dispose())

  it('runs its keyword half first, then waits for the start and searches with the model it brought', async () => {
    let finishStart!: () => void
    const starting = new Promise<void>((resolve) => (finishStart = resolve))
    let loaded = false
    const keywordCalls: boolean[] = []
    const keywordSearch = fixture.meta.chunks.keywordSearch.bind(fixture.meta.chunks)
    const meta = Object.create(fixture.meta, {
      chunks: {
        value: Object.assign(Object.create(fixture.meta.chunks), {
          keywordSearch: (...args: Parameters<typeof keywordSearch>) => {
            keywordCalls.push(loaded)
            return keywordSearch(...args)
          },
        }),
      },
    })
    const searcher = new Searcher({
      meta,
      vectors: () => (loaded ? { store: fixture.vectors, table: fixture.table } : null),
      embedder: () => (loaded ? fixture.embedder : null),
      ready: () => (loaded ? null : starting),
    })
    const searching = searcher.search('postgres migration')
    await new Promise((resolve) => setTimeout(resolve, 20))
    // The keyword half ran before the model was there; the search is still waiting for it.
    expect(keywordCalls).toEqual([false, false])
    loaded = true
    finishStart()
    const result = await searching
    expect(result.mode).toBe('hybrid')
    expect(result.hits.some((hit) => hit.retrievers.includes('vector'))).toBe(true)
  })

  it('stops waiting when its signal fires', async () => {
    const searcher = new Searcher({ meta: fixture.meta, vectors: () => null, embedder: () => null, ready: () => new Promise(() => {}) })
    const controller = new AbortController()
    const searching = searcher.search('kubernetes', {}, controller.signal)
    controller.abort()
    await expect(searching).rejects.toMatchObject({ code: 'aborted' })
    // A time-range question waits too, so its mode is the loaded model's, not "no model yet".
    const range = new AbortController()
    const weeks = searcher.search('what did I do in March 2023?', {}, range.signal)
    range.abort()
    await expect(weeks).rejects.toMatchObject({ code: 'aborted' })
  })
})

describe('Searcher without vectors', () => {
  let fixture: RetrievalFixture

  beforeAll(async () => {
    fixture = await createRetrievalFixture(NOTES)
  })
  afterAll(async () => fixture?.dispose())

  it('falls back to keywords with a reason when no model is loaded', async () => {
    const searcher = new Searcher({ meta: fixture.meta, vectors: () => null, embedder: () => null })
    const result = await searcher.search('kubernetes')
    expect(result.mode).toBe('keyword')
    expect(result.modeReason).toMatch(/no embedding model/i)
    expect(result.hits.map((hit) => hit.path)).toEqual(['2023/2023-W14.md'])
    expect(result.hits[0].retrievers).toEqual(['keyword'])
  })

  it('falls back when the vector table is not ready', async () => {
    const searcher = new Searcher({ meta: fixture.meta, vectors: () => null, embedder: () => fixture.embedder })
    const result = await searcher.search('kubernetes')
    expect(result.mode).toBe('keyword')
    expect(result.modeReason).toMatch(/not ready/i)
  })

  it('falls back instead of throwing when embedding fails', async () => {
    const broken = await loadTinyEmbedder()
    await broken.dispose()
    const searcher = new Searcher({ meta: fixture.meta, vectors: () => ({ store: fixture.vectors, table: fixture.table }), embedder: () => broken })
    const result = await searcher.search('kubernetes')
    expect(result.mode).toBe('keyword')
    expect(result.modeReason).toMatch(/vector search failed/i)
    expect(result.hits.map((hit) => hit.path)).toEqual(['2023/2023-W14.md'])
  })

  it('finds related notes from distinctive words', async () => {
    const searcher = new Searcher({ meta: fixture.meta, vectors: () => null, embedder: () => null })
    const related = await searcher.related('projects/search.md', 5)
    expect(related.length).toBeGreaterThan(0)
    expect(related[0].path).toBe('2024/2024-W02.md')
    expect(related.every((hit) => hit.path !== 'projects/search.md' && hit.retrievers.join() === 'keyword')).toBe(true)
  })
})
