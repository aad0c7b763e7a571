import { useMemo, useState } from 'react'
import type { Citation } from '../../shared/answer'
import { Highlighted, MarkdownView } from '../components/markdown-view'
import { dateOrderOf, groupByWeek, headingTrail, noteTitle } from '../format/passage-groups'

/** Passages shown before "Show N more": enough to read as an answer, few enough to read at all. */
export const FIRST_PASSAGES = 12

/**
 * A retrieval-only answer read like an answer: the matching passages grouped by week (the week shown once), each
 * with its note's title and heading path, rendered markdown and the question's words highlighted.
 */
export function RetrievalAnswer(props: { sources: Citation[]; question: string; terms: readonly string[]; byDate: boolean; onOpen(citation: Citation): void }) {
  const { sources, question, terms } = props
  const [shown, setShown] = useState(FIRST_PASSAGES)
  const order = dateOrderOf(question) ?? (props.byDate ? 'by-date' : null)
  const groups = useMemo(() => groupByWeek(sources, order), [sources, order])
  // Passages are cut per group, in display order, so "show more" continues where the list stopped.
  let budget = shown
  const visible = groups
    .map((group) => {
      const items = group.items.slice(0, Math.max(0, budget))
      budget -= items.length
      return { ...group, items }
    })
    .filter((group) => group.items.length > 0)
  const hidden = sources.length - Math.min(shown, sources.length)
  const weeks = groups.length
  return (
    <div className="retrieval-answer">
      <p className="retrieval-summary">
        {sources.length} matching {sources.length === 1 ? 'passage' : 'passages'} in {weeks} {weeks === 1 ? 'week' : 'weeks'}
        {order === 'oldest-first' ? ', oldest first' : order === 'newest-first' ? ', newest first' : order === 'by-date' ? ', by date' : ''}
      </p>
      {visible.map((group) => (
        <section key={`${group.start}..${group.end}`} className="week-group" aria-label={`Week ${group.label}`}>
          <h3 className="week-label">{group.label}</h3>
          {group.items.map((source) => {
            const trail = headingTrail(source)
            return (
              <div key={source.n} className="passage">
                <button type="button" className="passage-title" onClick={() => props.onOpen(source)} title={`${source.path}, lines ${source.startLine}–${source.endLine}`}>
                  <span className="source-number">{source.n}</span>
                  <span className="passage-note">{noteTitle(source)}</span>
                  {/* A passage often matched by its heading ("Softball") without repeating the word: mark it there too. */}
                  {trail.length > 0 ? (
                    <span className="passage-heading">
                      {' › '}
                      <Highlighted text={trail.join(' › ')} terms={terms} />
                    </span>
                  ) : null}
                </button>
                <MarkdownView className="passage-text" text={source.text} terms={terms} />
              </div>
            )
          })}
        </section>
      ))}
      {hidden > 0 ? (
        <button type="button" className="button button-small show-more" onClick={() => setShown(shown + FIRST_PASSAGES * 2)}>
          Show {Math.min(hidden, FIRST_PASSAGES * 2)} more {hidden > FIRST_PASSAGES * 2 ? `(of ${hidden})` : ''}
        </button>
      ) : null}
    </div>
  )
}
