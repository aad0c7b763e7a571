import { createStore } from 'zustand/vanilla'
import { toErrorData, type ErrorData } from '../../shared/errors'
import type { BrainApi } from '../../shared/ipc'
import type { SearchResult } from '../../shared/search'
import { createLatestOnly, debounce } from './latest-only'

export interface QuickSearchState {
  query: string
  result: SearchResult | null
  selected: number
  previewOpen: boolean
  searching: boolean
  error: ErrorData | null
}

export type QuickSearchStore = ReturnType<typeof createQuickSearchStore>

/** Search-as-you-type with a debounce; a response for an older query never replaces a newer one. */
export function createQuickSearchStore(brain: BrainApi, options: { debounceMs?: number; limit?: number } = {}) {
  const store = createStore<QuickSearchState>(() => ({ query: '', result: null, selected: 0, previewOpen: false, searching: false, error: null }))
  const set = store.setState
  const get = store.getState
  const latest = createLatestOnly((query: string) => brain.search(query, { limit: options.limit ?? 12 }))

  const run = debounce(options.debounceMs ?? 120, (query: string) => {
    latest.call(query).then(
      (outcome) => {
        if (!outcome.stale) set({ result: outcome.value, selected: 0, searching: false, error: null })
      },
      (error: unknown) => {
        if (get().query === query) set({ searching: false, error: toErrorData(error) })
      },
    )
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
