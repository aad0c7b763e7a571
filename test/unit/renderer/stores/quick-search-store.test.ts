import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { BrainError } from '../../../../shared/errors'
import type { BrainApi } from '../../../../shared/ipc'
import type { SearchHit, SearchResult } from '../../../../shared/search'
import { createQuickSearchStore } from '../../../../renderer/stores/quick-search-store'

function hit(index: number): SearchHit {
  return {
    chunkId: `c${index}`,
    path: `2024/2024-W${String(index + 1).padStart(2, '0')}.md`,
    headingPath: ['Week'],
    startLine: 1,
    endLine: 3,
    periodStart: '2024-01-01',
    periodEnd: '2024-01-07',
    score: 1 / (index + 1),
    snippet: 'text',
    text: 'text',
    retrievers: ['keyword'],
  }
}

function resultFor(query: string, hits: number): SearchResult {
  const list = Array.from({ length: hits }, (_, index) => hit(index))
  return { query, searchedText: query, period: null, pathPrefix: null, mode: 'hybrid', modeReason: null, rangeOnly: false, hits: list, tookMs: 1 }
}

/**
 * Only `search` is used by the store; each call waits until the test answers it, so the order in which responses
 * land is under the test's control.
 */
function scriptedBrain() {
  const calls: Array<{ query: string; limit: number | undefined; answer(hits?: number): void; fail(error: Error): void }> = []
  const brain = {
    search: (query: string, options?: { limit?: number }) =>
      new Promise<SearchResult>((resolve, reject) => {
        calls.push({ query, limit: options?.limit, answer: (hits = 3) => resolve(resultFor(query, hits)), fail: reject })
      }),
  } as unknown as BrainApi
  return { brain, calls }
}

describe('createQuickSearchStore', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('searches on the first keystroke and keeps the previous results on screen until the next arrive', async () => {
    const { brain, calls } = scriptedBrain()
    const store = createQuickSearchStore(brain, { intervalMs: 50 })
    store.setQuery('k')
    expect(calls.map((call) => call.query)).toEqual(['k'])
    expect(store.getState().searching).toBe(true)
    calls[0].answer()
    await vi.advanceTimersByTimeAsync(0)
    expect(store.getState()).toMatchObject({ searching: false, result: { query: 'k' } })

    await vi.advanceTimersByTimeAsync(100)
    store.setQuery('ka')
    expect(calls.map((call) => call.query)).toEqual(['k', 'ka'])
    expect(store.getState()).toMatchObject({ query: 'ka', searching: true, result: { query: 'k' } })
    calls[1].answer()
    await vi.advanceTimersByTimeAsync(0)
    expect(store.getState()).toMatchObject({ searching: false, result: { query: 'ka' } })
  })

  it('while typing fast, shows the in-between result as still searching, then searches the full text once', async () => {
    const { brain, calls } = scriptedBrain()
    const store = createQuickSearchStore(brain, { intervalMs: 50 })
    store.setQuery('k')
    await vi.advanceTimersByTimeAsync(20)
    store.setQuery('ka')
    await vi.advanceTimersByTimeAsync(20)
    store.setQuery('kafka')
    calls[0].answer()
    await vi.advanceTimersByTimeAsync(0)
    expect(store.getState()).toMatchObject({ query: 'kafka', searching: true, result: { query: 'k' } })
    await vi.advanceTimersByTimeAsync(10)
    expect(calls.map((call) => call.query)).toEqual(['k', 'kafka'])
    calls[1].answer()
    await vi.advanceTimersByTimeAsync(0)
    expect(store.getState()).toMatchObject({ searching: false, result: { query: 'kafka' } })
  })

  it('drops a response that lands after the input was cleared', async () => {
    const { brain, calls } = scriptedBrain()
    const store = createQuickSearchStore(brain)
    store.setQuery('kafka')
    store.setQuery('')
    calls[0].answer()
    await vi.advanceTimersByTimeAsync(100)
    expect(store.getState()).toMatchObject({ query: '', result: null, searching: false })
    expect(calls).toHaveLength(1)
  })

  it('asks for and keeps at most `limit` hits (range questions return more)', async () => {
    const { brain, calls } = scriptedBrain()
    const store = createQuickSearchStore(brain, { limit: 8 })
    store.setQuery('march 2023')
    expect(calls[0].limit).toBe(8)
    calls[0].answer(40)
    await vi.advanceTimersByTimeAsync(0)
    expect(store.getState().result!.hits.map((item) => item.chunkId)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'])
    store.move(-1)
    expect(store.getState().selected).toBe(7)
  })

  it('shows the error of the current query and stops searching', async () => {
    const { brain, calls } = scriptedBrain()
    const store = createQuickSearchStore(brain)
    store.setQuery('kafka')
    calls[0].fail(new BrainError('engine-unavailable', 'The connection to the engine was lost.', { retryable: true }))
    await vi.advanceTimersByTimeAsync(0)
    expect(store.getState()).toMatchObject({ searching: false, error: { code: 'engine-unavailable', retryable: true } })
  })
})
