import { useCallback } from 'react'
import type { BrainApi } from '../../shared/ipc'
import type { SearchHit } from '../../shared/search'
import { SearchView } from '../components/search-view'
import type { QuickSearchStore } from '../stores/quick-search-store'

/** The quick-search window: one input, results as you type, keyboard first. */
export function QuickSearchApp(props: { brain: BrainApi; store: QuickSearchStore }) {
  const { brain, store } = props
  const openHit = useCallback((hit: SearchHit) => void brain.openNote(hit.path, hit.startLine), [brain])
  const hide = () => {
    store.reset()
    void brain.hideQuickSearch()
  }
  return (
    <div className="quick-search">
      <SearchView
        brain={brain}
        store={store}
        idPrefix="quick-hit"
        inputLabel="Search your notes"
        onOpen={openHit}
        onAsk={(question) => {
          void brain.askInChat(question)
          hide()
        }}
        onClose={hide}
        icon={
          <svg className="quick-icon" aria-hidden="true" viewBox="0 0 24 24" width="20" height="20">
            <circle cx="10.5" cy="10.5" r="6.5" fill="none" stroke="currentColor" strokeWidth="2" />
            <path d="M15.5 15.5 L20.5 20.5" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
          </svg>
        }
      />
    </div>
  )
}
