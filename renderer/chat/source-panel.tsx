import { useEffect, useRef, useState } from 'react'
import type { NoteSection } from '../../shared/notes-overview'
import { MarkdownView } from '../components/markdown-view'
import { useSlice } from '../components/use-store'
import { formatPeriod } from '../format/answer-label'
import { headingTrail, noteTitle } from '../format/passage-groups'
import { useServices } from './chat-context'

/**
 * The cited passage as readable text (rendered markdown, the question's words highlighted) inside the section it
 * comes from, with its week, note and lines, and a way to open the note there. Escape closes it.
 */
export function SourcePanel() {
  const { brain, chat } = useServices()
  const source = useSlice(chat, (state) => state.openSource)
  const terms = useSlice(chat, (state) => state.openSourceTerms)
  const closeRef = useRef<HTMLButtonElement>(null)
  const passageRef = useRef<HTMLDivElement>(null)
  const [section, setSection] = useState<NoteSection | null>(null)

  useEffect(() => {
    if (source) closeRef.current?.focus()
  }, [source])

  useEffect(() => {
    setSection(null)
    if (!source) return
    let live = true
    brain.getNoteSection(source.path, source.startLine).then(
      (value) => live && setSection(value),
      // The note changed since the answer: the passage as it was cited is still shown.
      () => live && setSection(null),
    )
    return () => {
      live = false
    }
  }, [brain, source])

  useEffect(() => {
    passageRef.current?.scrollIntoView?.({ block: 'nearest' })
  }, [section])

  if (!source) return null
  const trail = headingTrail(source)
  const passages = section?.passages.some((passage) => passage.isPassage) ? section.passages : [{ startLine: source.startLine, endLine: source.endLine, text: source.text, isPassage: true }]
  return (
    <aside
      className="source-panel"
      role="complementary"
      aria-label={`Source ${source.n}`}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.stopPropagation()
          chat.openSource(null)
        }
      }}
    >
      <header className="source-panel-header">
        <span className="source-number source-number-large">{source.n}</span>
        <div className="source-panel-title">
          <div className="source-period">{formatPeriod(source.periodStart, source.periodEnd)}</div>
          <div className="source-note-title">{noteTitle(source)}</div>
          <div className="source-path" title={source.path}>
            {source.path}
            <span className="source-lines">
              {' '}
              · {source.startLine === source.endLine ? `line ${source.startLine}` : `lines ${source.startLine}–${source.endLine}`}
            </span>
          </div>
        </div>
        <button ref={closeRef} type="button" className="icon-button" aria-label="Close source" title="Close (Esc)" onClick={() => chat.openSource(null)}>
          ×
        </button>
      </header>
      {trail.length > 0 ? <div className="heading-path">{trail.join(' › ')}</div> : null}
      <div className="source-text">
        {passages.map((passage) => (
          <div key={passage.startLine} ref={passage.isPassage ? passageRef : undefined} className={`source-passage${passage.isPassage ? ' is-cited' : ''}`} data-lines={`${passage.startLine}-${passage.endLine}`}>
            <MarkdownView text={passage.text} terms={passage.isPassage ? terms : []} />
          </div>
        ))}
      </div>
      <footer className="source-panel-footer">
        <button type="button" className="button button-primary" onClick={() => void brain.openNote(source.path, source.startLine)}>
          Open in editor
        </button>
      </footer>
    </aside>
  )
}
