import { useEffect, useRef } from 'react'
import { useSlice } from '../components/use-store'
import { formatPeriod } from '../format/answer-label'
import { useServices } from './chat-context'

/** The cited passage, its week and path, and a way to open the note at that line. */
export function SourcePanel() {
  const { brain, chat } = useServices()
  const source = useSlice(chat, (state) => state.openSource)
  const closeRef = useRef<HTMLButtonElement>(null)

  useEffect(() => {
    if (source) closeRef.current?.focus()
  }, [source])

  if (!source) return null
  return (
    <aside className="source-panel" role="complementary" aria-label={`Source ${source.n}`}>
      <header className="source-panel-header">
        <span className="source-number source-number-large">{source.n}</span>
        <div className="source-panel-title">
          <div className="source-period">{formatPeriod(source.periodStart, source.periodEnd)}</div>
          <div className="source-path" title={source.path}>
            {source.path}
            <span className="source-lines">
              {' '}
              · {source.startLine === source.endLine ? `line ${source.startLine}` : `lines ${source.startLine}–${source.endLine}`}
            </span>
          </div>
        </div>
        <button ref={closeRef} type="button" className="icon-button" aria-label="Close source" onClick={() => chat.openSource(null)}>
          ×
        </button>
      </header>
      {source.headingPath.length > 0 ? <div className="heading-path">{source.headingPath.join(' › ')}</div> : null}
      <pre className="source-text">{source.text}</pre>
      <footer className="source-panel-footer">
        <button type="button" className="button button-primary" onClick={() => void brain.openNote(source.path, source.startLine)}>
          Open in editor
        </button>
      </footer>
    </aside>
  )
}
