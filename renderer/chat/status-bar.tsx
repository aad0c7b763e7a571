import { useState } from 'react'
import { ProgressBar } from '../components/progress-bar'
import { engineText, gatewayText, indexText, syncText, type Tone } from '../components/status-text'
import { useSlice } from '../components/use-store'
import { formatRelativeTime } from '../format/answer-label'
import { useServices } from './chat-context'

function Item(props: { tone: Tone; text: string; title?: string }) {
  return (
    <span className="status-item" title={props.title}>
      <span className={`dot dot-${props.tone}`} aria-hidden="true" />
      {props.text}
    </span>
  )
}

/** Index progress, folder, errors, gateway, sync and engine state, all from pushed snapshots. */
export function StatusBar() {
  const { status } = useServices()
  const index = useSlice(status, (state) => state.index)
  const gateway = useSlice(status, (state) => state.gateway)
  const sync = useSlice(status, (state) => state.sync)
  const engine = useSlice(status, (state) => state.engine)
  const [showErrors, setShowErrors] = useState(false)
  const indexing = index?.phase.type === 'indexing' || index?.phase.type === 'embedding' ? index.phase : null
  const indexInfo = indexText(index)
  const syncInfo = syncText(sync)
  const engineInfo = engineText(engine)
  const errors = index?.errors ?? []

  return (
    <footer className="status-bar" role="status" aria-label="Status">
      {engineInfo ? <Item {...engineInfo} /> : null}
      <Item {...indexInfo} title={index?.folder ?? undefined} />
      {indexing ? (
        <span className="status-progress">
          <ProgressBar value={indexing.done} max={indexing.total} label={indexing.type === 'indexing' ? `Indexed ${indexing.done} of ${indexing.total} notes` : `Embedded ${indexing.done} of ${indexing.total} passages`} />
        </span>
      ) : null}
      {index?.lastIndexedAt && !indexing ? <span className="status-muted">updated {formatRelativeTime(index.lastIndexedAt)}</span> : null}
      {index?.folderState === 'unavailable' ? <Item tone="warn" text="Folder unavailable: index kept" /> : null}
      {index?.embedding.type === 'unavailable' ? <Item tone="warn" text="Keyword search only" title={index.embedding.reason} /> : null}
      {index?.settingsNotice ? <Item tone="warn" text="Settings file was broken: safe values in use" title={index.settingsNotice} /> : null}
      {errors.length > 0 ? (
        <button type="button" className="status-errors" aria-expanded={showErrors} onClick={() => setShowErrors(!showErrors)}>
          {errors.length} {errors.length === 1 ? 'file' : 'files'} not indexed
        </button>
      ) : null}
      <span className="status-spacer" />
      {syncInfo ? <Item {...syncInfo} /> : null}
      <Item {...gatewayText(gateway)} title={gateway?.type === 'unreachable' || gateway?.type === 'unauthorized' ? gateway.message : undefined} />
      {showErrors && errors.length > 0 ? (
        <div className="error-popover" role="dialog" aria-label="Files not indexed">
          <header>
            <strong>Files not indexed</strong>
            <button type="button" className="icon-button" aria-label="Close" onClick={() => setShowErrors(false)}>
              ×
            </button>
          </header>
          <ul>
            {errors.map((error) => (
              <li key={error.path}>
                <code>{error.path}</code>
                <span>{error.message}</span>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </footer>
  )
}
