import { useCallback, useEffect, useRef } from 'react'
import type { BrainApi } from '../../shared/ipc'
import type { SearchHit } from '../../shared/search'
import { useSlice } from '../components/use-store'
import type { QuickSearchStore } from '../stores/quick-search-store'
import { ResultRow } from '../components/result-row'

/** The quick-search window: one input, results as you type, keyboard first. */
export function QuickSearchApp(props: { brain: BrainApi; store: QuickSearchStore }) {
  const { brain, store } = props
  const query = useSlice(store, (state) => state.query)
  const result = useSlice(store, (state) => state.result)
  const selected = useSlice(store, (state) => state.selected)
  const previewOpen = useSlice(store, (state) => state.previewOpen)
  const searching = useSlice(store, (state) => state.searching)
  const error = useSlice(store, (state) => state.error)
  const inputRef = useRef<HTMLInputElement>(null)
  const listRef = useRef<HTMLUListElement>(null)
  const hits = result?.hits ?? []
  const current = hits[selected]

  useEffect(() => {
    const focus = () => inputRef.current?.focus()
    window.addEventListener('focus', focus)
    return () => window.removeEventListener('focus', focus)
  }, [])

  useEffect(() => {
    listRef.current?.querySelector('[aria-selected="true"]')?.scrollIntoView?.({ block: 'nearest' })
  }, [selected])

  const openHit = useCallback((hit: SearchHit) => void brain.openNote(hit.path, hit.startLine), [brain])

  const hide = () => {
    store.reset()
    void brain.hideQuickSearch()
  }

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault()
      store.move(event.key === 'ArrowDown' ? 1 : -1)
    } else if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault()
      if (query.trim()) {
        void brain.askInChat(query.trim())
        hide()
      }
    } else if (event.key === 'Enter') {
      event.preventDefault()
      if (current) void brain.openNote(current.path, current.startLine)
    } else if (event.key === 'Tab') {
      event.preventDefault()
      if (current) store.togglePreview()
    } else if (event.key === 'Escape') {
      event.preventDefault()
      if (previewOpen) store.togglePreview()
      else hide()
    }
  }

  return (
    <div className="quick-search" onKeyDown={onKeyDown}>
      <div className="quick-input-row">
        <svg className="quick-icon" aria-hidden="true" viewBox="0 0 24 24" width="20" height="20">
          <circle cx="10.5" cy="10.5" r="6.5" fill="none" stroke="currentColor" strokeWidth="2" />
          <path d="M15.5 15.5 L20.5 20.5" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
        </svg>
        <input
          ref={inputRef}
          className="quick-input"
          role="combobox"
          aria-label="Search your notes"
          aria-expanded={hits.length > 0}
          aria-controls="quick-results"
          aria-activedescendant={current ? `quick-hit-${selected}` : undefined}
          placeholder="Search your notes…"
          autoFocus
          value={query}
          onChange={(event) => store.setQuery(event.target.value)}
        />
        {/* Always in the layout so the input does not change width on every keystroke; shown only for a slow search. */}
        <span className={`spinner quick-spinner${searching ? ' is-active' : ''}`} role="status" aria-label={searching ? 'Searching' : undefined} />
      </div>
      {result && (result.period || result.mode === 'keyword') ? (
        <div className="quick-chips">
          {result.period ? (
            <span className="chip chip-period" title={`${result.period.start} – ${result.period.end}`}>
              {result.period.label}
            </span>
          ) : null}
          {result.mode === 'keyword' ? (
            <span className="chip chip-keyword" title={result.modeReason ?? undefined}>
              keyword results
            </span>
          ) : null}
        </div>
      ) : null}
      {error ? (
        <p className="quick-message quick-error" role="alert">
          {error.message}
        </p>
      ) : null}
      <div className="quick-body">
        <ul ref={listRef} id="quick-results" className="search-results" role="listbox" aria-label="Results" data-query={result?.query}>
          {hits.map((hit, index) => (
            <ResultRow key={hit.chunkId} hit={hit} index={index} idPrefix="quick-hit" selected={index === selected} onHover={store.select} onOpen={openHit} />
          ))}
        </ul>
        {previewOpen && current ? (
          <section className="quick-preview" aria-label="Passage preview">
            <div className="source-path">
              {current.path} · lines {current.startLine}–{current.endLine}
            </div>
            <pre className="source-text">{current.text}</pre>
          </section>
        ) : null}
      </div>
      {query.trim() && result && hits.length === 0 && !searching ? <p className="quick-message">No passages match “{query.trim()}”.</p> : null}
      <footer className="quick-footer" aria-hidden="true">
        <span><kbd>↑</kbd><kbd>↓</kbd> move</span>
        <span><kbd>Enter</kbd> open</span>
        <span><kbd>Tab</kbd> preview</span>
        <span><kbd>Ctrl</kbd><kbd>Enter</kbd> ask in chat</span>
        <span><kbd>Esc</kbd> close</span>
      </footer>
    </div>
  )
}
