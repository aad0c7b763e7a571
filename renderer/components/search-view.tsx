import { Fragment, useEffect, useRef, type ReactNode } from 'react'
import type { BrainApi } from '../../shared/ipc'
import type { SearchHit } from '../../shared/search'
import { formatPeriod } from '../format/answer-label'
import { queryTerms } from '../format/highlight'
import { headingTrail, noteTitle } from '../format/passage-groups'
import type { QuickSearchStore } from '../stores/quick-search-store'
import { MarkdownView } from './markdown-view'
import { ResultRow } from './result-row'
import { TimelineChart } from './timeline-chart'
import { useSlice } from './use-store'

export interface SearchViewProps {
  brain: BrainApi
  store: QuickSearchStore
  /** Ids of rows (`${idPrefix}-${index}`) and of the list (`${idPrefix}-results`). */
  idPrefix: string
  inputLabel: string
  onOpen(hit: SearchHit): void
  onAsk(question: string): void
  onClose(): void
  /** Shown at the input's left (the quick-search window's magnifier). */
  icon?: ReactNode
  /** The timeline chart under the results (the chat's search dialog has the room for it). */
  timeline?: boolean
}

/**
 * The one search experience, in the quick-search window and the chat's Ctrl/Cmd+K dialog: the same keys (↑↓ move and
 * keep the selection in view, Enter opens, Tab previews, Ctrl/Cmd+Enter asks in chat, Esc closes the preview, then
 * the search), the same chips, rows grouped by week, and key hints.
 */
export function SearchView(props: SearchViewProps) {
  const { brain, store, idPrefix } = props
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
  const listId = `${idPrefix}-results`

  useEffect(() => {
    const focus = () => inputRef.current?.focus()
    window.addEventListener('focus', focus)
    return () => window.removeEventListener('focus', focus)
  }, [])

  useEffect(() => {
    listRef.current?.querySelector('[aria-selected="true"]')?.scrollIntoView?.({ block: 'nearest' })
  }, [selected, result])

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault()
      store.move(event.key === 'ArrowDown' ? 1 : -1)
    } else if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault()
      if (query.trim()) props.onAsk(query.trim())
    } else if (event.key === 'Enter') {
      event.preventDefault()
      if (current) props.onOpen(current)
    } else if (event.key === 'Tab') {
      event.preventDefault()
      if (current) store.togglePreview()
    } else if (event.key === 'Escape') {
      event.preventDefault()
      event.stopPropagation()
      if (previewOpen) store.togglePreview()
      else props.onClose()
    }
  }

  const terms = queryTerms(result?.searchedText ?? query)
  let lastWeek = ''
  return (
    <div className="search-view" onKeyDown={onKeyDown}>
      <div className="quick-input-row">
        {props.icon}
        <input
          ref={inputRef}
          className="quick-input"
          role="combobox"
          aria-label={props.inputLabel}
          aria-expanded={hits.length > 0}
          aria-controls={listId}
          aria-activedescendant={current ? `${idPrefix}-${selected}` : undefined}
          placeholder={`${props.inputLabel}…`}
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
              <span className="chip-text">{result.period.label}</span>
              {result.searchedText.trim() ? (
                <button type="button" className="chip-remove" aria-label={`Search without ${result.period.label}`} onClick={() => store.setQuery(result.searchedText.trim())}>
                  ×
                </button>
              ) : null}
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
        <ul ref={listRef} id={listId} className="search-results" role="listbox" aria-label="Results" data-query={result?.query}>
          {hits.map((hit, index) => {
            const week = `${hit.periodStart}..${hit.periodEnd}`
            const header = week !== lastWeek
            lastWeek = week
            return (
              <Fragment key={hit.chunkId}>
                {header ? (
                  <li role="presentation" className="hit-week">
                    <span className="hit-period">{formatPeriod(hit.periodStart, hit.periodEnd)}</span>
                  </li>
                ) : null}
                <ResultRow hit={hit} index={index} idPrefix={idPrefix} selected={index === selected} onHover={store.select} onOpen={props.onOpen} />
              </Fragment>
            )
          })}
        </ul>
        {previewOpen && current ? (
          <section className="quick-preview" aria-label="Passage preview">
            <div className="preview-week">{formatPeriod(current.periodStart, current.periodEnd)}</div>
            <div className="preview-title">{[noteTitle(current), ...headingTrail(current)].join(' › ')}</div>
            <div className="source-path">
              {current.path} · lines {current.startLine}–{current.endLine}
            </div>
            <div className="source-text">
              <MarkdownView text={current.text} terms={terms} />
            </div>
          </section>
        ) : null}
      </div>
      {query.trim() && result && hits.length === 0 && !searching ? <p className="quick-message">No passages match “{query.trim()}”.</p> : null}
      {props.timeline && result && hits.length > 0 ? (
        <TimelineChart
          brain={brain}
          query={result.query}
          label="Timeline of matching weeks"
          onPick={(bucket, timeline) => store.setQuery(timeline.searchedText ? `${timeline.searchedText} in ${bucket.phrase}` : bucket.phrase)}
        />
      ) : null}
      <footer className="quick-footer" aria-label="Keys">
        <span>
          <kbd>↑</kbd>
          <kbd>↓</kbd> move
        </span>
        <span>
          <kbd>Enter</kbd> open
        </span>
        <span>
          <kbd>Tab</kbd> preview
        </span>
        <span>
          <kbd>Ctrl</kbd>
          <kbd>Enter</kbd> ask in chat
        </span>
        <span>
          <kbd>Esc</kbd> close
        </span>
      </footer>
    </div>
  )
}
