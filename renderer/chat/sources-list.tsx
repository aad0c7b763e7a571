import type { Citation } from '../../shared/answer'
import { sourceNotes } from '../format/passage-groups'

/** An answer's sources, one row per note ("3–9 Mar 2020 · Week 76", its passage numbers), each opening the passage. */
export function SourcesList(props: { sources: Citation[]; onOpen(citation: Citation): void }) {
  const notes = sourceNotes(props.sources)
  if (notes.length === 0) return null
  return (
    <footer className="answer-sources" aria-label="Sources">
      <h3 className="sources-title">Sources</h3>
      <ul className="sources-list">
        {notes.map((note) => (
          <li key={note.path} className="source-note">
            <button type="button" className="source-pill" onClick={() => props.onOpen(note.items[0])} title={note.path}>
              <span className="source-week">{note.label}</span>
              <span className="source-name">{note.title}</span>
            </button>
            <span className="source-numbers" aria-label="Passages">
              {note.items.map((item) => (
                <button key={item.n} type="button" className="source-number" aria-label={`Source ${item.n}: ${note.title}, ${note.label}`} onClick={() => props.onOpen(item)}>
                  {item.n}
                </button>
              ))}
            </span>
          </li>
        ))}
      </ul>
    </footer>
  )
}
