import { createStore } from 'zustand/vanilla'
import { toErrorData, type ErrorData } from '../../shared/errors'
import type { BrainApi } from '../../shared/ipc'
import type { SearchResult } from '../../shared/search'
import { adjacentByWeek } from '../format/passage-groups'
import { createLatestOnly } from './latest-only'
import { throttleLatest } from './search-throttle'

export interface QuickSearchState {
  query: string
  /** The newest result received; it stays on screen while the next query is searched (no flash of empty). */
  result: SearchResult | null
  selected: number
  previewOpen: boolean
  /** True while the result shown is not yet the one for `query`. */
  searching: boolean
  error: ErrorData | null
}

/** How the store paces and trims searches. */
export interface QuickSearchOptions {
  /** Least time between two search starts while typing; the first keystroke after a pause searches at once. */
  intervalMs?: number
  /** Hits asked for and kept (the quick-search window shows about eight rows). */
  limit?: number
}

export type QuickSearchStore = ReturnType<typeof createQuickSearchStore>

/** Search-as-you-type, throttled with one search in flight; a response for an older query never replaces a newer one. */
export function createQuickSearchStore(brain: BrainApi, options: QuickSearchOptions = {}) {
  const limit = options.limit ?? 8
  const store = createStore<QuickSearchState>(() => ({ query: '', result: null, selected: 0, previewOpen: false, searching: false, error: null }))
  const set = store.setState
  const get = store.getState
  const latest = createLatestOnly((query: string) => brain.search(query, { limit }))

  const run = throttleLatest(options.intervalMs ?? 50, async (query: string) => {
    try {
      const outcome = await latest.call(query)
      if (outcome.stale) return
      // Range questions return every chunk in the range; rendering rows nobody can see costs keystroke latency.
      // Hits of one week are shown together under the week; the selection follows that order.
      const result = { ...outcome.value, hits: adjacentByWeek(outcome.value.hits.slice(0, limit)) }
      set({ result, selected: 0, searching: get().query !== query, error: null })
    } catch (error) {
      if (get().query === query) set({ searching: false, error: toErrorData(error) })
    }
  })

  const actions = {
    setQuery(query: string): void {
      set({ query, previewOpen: false })
      if (!query.trim()) {
        run.cancel()
        latest.invalidate()
        set({ result: null, searching: false, error: null, selected: 0 })
        return
      }
      set({ searching: true })
      run(query)
    },
    move(step: number): void {
      const count = get().result?.hits.length ?? 0
      if (count === 0) return
      set((state) => ({ selected: (state.selected + step + count) % count }))
    },
    select(index: number): void {
      set({ selected: index })
    },
    togglePreview(): void {
      set((state) => ({ previewOpen: !state.previewOpen }))
    },
    reset(): void {
      run.cancel()
      latest.invalidate()
      set({ query: '', result: null, selected: 0, previewOpen: false, searching: false, error: null })
    },
  }
  return Object.assign(store, actions)
}
