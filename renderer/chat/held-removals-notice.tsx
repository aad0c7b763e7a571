import { useState } from 'react'
import { toErrorData } from '../../shared/errors'
import type { HeldRemovals } from '../../shared/index-status'
import { useSlice } from '../components/use-store'
import { useServices } from './chat-context'

function notes(count: number): string {
  return `${count.toLocaleString('en-GB')} ${count === 1 ? 'note' : 'notes'}`
}

/** What happened, in the user's words: why removals are held instead of applied. */
export function heldRemovalsText(held: HeldRemovals): string {
  const why =
    held.reason === 'folder-empty'
      ? 'Your notes folder is empty now'
      : held.reason === 'folder-replaced'
        ? 'Your notes folder was replaced by a different one (a remount, a restore or a cloud placeholder?)'
        : `${notes(held.removals)} of ${held.indexedFiles.toLocaleString('en-GB')} disappeared from your notes folder at once`
  return `${why}, so ${notes(held.removals)} were kept in the index instead of removed. Nothing is deleted and sync sends no deletions until you choose.`
}

/**
 * The banner for `folderState: 'suspect'`: the engine held back a mass removal. "Remove N notes from the index"
 * applies it (`confirmRemovals`); "Keep them" leaves the index as it is and hides the banner until the next start
 * (the hold stays in the engine, so it is asked again then).
 */
export function HeldRemovalsNotice() {
  const { brain, status } = useServices()
  const index = useSlice(status, (state) => state.index)
  const [keptAt, setKeptAt] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const held = index?.folderState === 'suspect' ? index.heldRemovals : undefined
  if (!held || keptAt === held.at) return null

  const remove = async () => {
    setBusy(true)
    setError(null)
    try {
      await brain.confirmRemovals()
      // The pass's snapshot arrives as an event too; asking makes the banner go at once.
      status.setState({ index: await brain.getStatus() })
    } catch (caught) {
      setError(toErrorData(caught).message)
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="notice notice-warn held-removals" role="alert" aria-label="Notes held back">
      <p className="held-removals-text">{heldRemovalsText(held)}</p>
      {held.examples.length > 0 ? (
        <p className="held-removals-examples muted">
          For example: {held.examples.slice(0, 3).map((example, position) => (
            <span key={example}>
              {position > 0 ? ', ' : ''}
              <code>{example}</code>
            </span>
          ))}
        </p>
      ) : null}
      {error ? <p className="form-error">{error}</p> : null}
      <div className="held-removals-actions">
        <button type="button" className="button button-small button-danger" disabled={busy} onClick={() => void remove()}>
          Remove {notes(held.removals)} from the index
        </button>
        <button type="button" className="button button-small" disabled={busy} onClick={() => setKeptAt(held.at)}>
          Keep them
        </button>
      </div>
    </div>
  )
}
