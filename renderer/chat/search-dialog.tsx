import { useCallback, useEffect, useMemo } from 'react'
import type { BrainApi } from '../../shared/ipc'
import type { SearchHit } from '../../shared/search'
import { SearchView } from '../components/search-view'
import { titleLine } from '../format/passage-groups'
import { createQuickSearchStore } from '../stores/quick-search-store'

/**
 * Ctrl/Cmd+K: the quick-search experience inside the chat window, with the timeline. Enter opens the passage in the
 * editor and closes the dialog, saying what was opened; Ctrl/Cmd+Enter asks the text in this chat.
 */
export function SearchDialog(props: { brain: BrainApi; onClose(): void; onAsk(question: string): void; onOpened?(message: string): void }) {
  const store = useMemo(() => createQuickSearchStore(props.brain, { limit: 12 }), [props.brain])
  useEffect(() => () => store.reset(), [store])
  const { brain, onClose, onOpened } = props
  const openHit = useCallback(
    (hit: SearchHit) => {
      void brain.openNote(hit.path, hit.startLine).then(
        (opened) => onOpened?.(opened ? `Opened ${titleLine(hit)} in your editor.` : `Could not open ${hit.path}.`),
        () => onOpened?.(`Could not open ${hit.path}.`),
      )
      onClose()
    },
    [brain, onClose, onOpened],
  )
  return (
    <div className="modal-backdrop modal-top" onMouseDown={(event) => event.target === event.currentTarget && props.onClose()}>
      <div className="modal search-dialog" role="dialog" aria-modal="true" aria-label="Search notes">
        <SearchView
          brain={brain}
          store={store}
          idPrefix="search-hit"
          inputLabel="Search notes"
          timeline
          onOpen={openHit}
          onAsk={(question) => {
            props.onAsk(question)
            onClose()
          }}
          onClose={onClose}
        />
      </div>
    </div>
  )
}
