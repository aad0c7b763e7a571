import { useEffect, useMemo, useState } from 'react'
import type { BrainApi } from '../../shared/ipc'
import type { SearchHit } from '../../shared/search'
import { ResultRow } from '../components/result-row'
import { useSlice } from '../components/use-store'
import { createQuickSearchStore } from '../stores/quick-search-store'

/** Ctrl/Cmd+K: a search box over `search()` inside the chat window. */
export function SearchDialog(props: { brain: BrainApi; onClose(): void }) {
  const store = useMemo(() => createQuickSearchStore(props.brain, { limit: 12 }), [props.brain])
  const query = useSlice(store, (state) => state.query)
  const result = useSlice(store, (state) => state.result)
  const selected = useSlice(store, (state) => state.selected)
  const [opened, setOpened] = useState<string | null>(null)
  useEffect(() => () => store.reset(), [store])
  const hits = result?.hits ?? []

  const openHit = (hit: SearchHit) => {
    setOpened(hit.path)
    void props.brain.openNote(hit.path, hit.startLine)
  }
  const open = (index: number) => {
    const hit = hits[index]
    if (hit) openHit(hit)
  }

  return (
    <div className="modal-backdrop modal-top" onMouseDown={(event) => event.target === event.currentTarget && props.onClose()}>
      <div className="modal search-dialog" role="dialog" aria-modal="true" aria-label="Search notes">
        <input
          className="search-input"
          role="combobox"
          aria-expanded={hits.length > 0}
          aria-controls="search-dialog-results"
          aria-activedescendant={hits.length > 0 ? `search-hit-${selected}` : undefined}
          aria-label="Search notes"
          placeholder="Search notes…"
          autoFocus
          value={query}
          onChange={(event) => store.setQuery(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
              event.preventDefault()
              store.move(event.key === 'ArrowDown' ? 1 : -1)
            } else if (event.key === 'Enter') {
              event.preventDefault()
              open(selected)
            } else if (event.key === 'Escape') {
              props.onClose()
            }
          }}
        />
        <ul id="search-dialog-results" className="search-results" role="listbox" aria-label="Results">
          {hits.map((hit, index) => (
            <ResultRow key={hit.chunkId} hit={hit} index={index} idPrefix="search-hit" selected={index === selected} onHover={store.select} onOpen={openHit} />
          ))}
        </ul>
        {query && result && hits.length === 0 ? <p className="search-empty">No passages match.</p> : null}
        {opened ? <p className="visually-hidden" aria-live="polite">Opened {opened}</p> : null}
      </div>
    </div>
  )
}
