import type { Citation } from '../../shared/answer'
import { splitCitations } from '../format/citation-parts'

/** Answer text with `[n]` markers as chips that open the cited passage. */
export function AnswerText(props: { text: string; sources: Citation[]; onOpen(citation: Citation): void }) {
  const byNumber = new Map(props.sources.map((source) => [source.n, source]))
  const parts = splitCitations(props.text, new Set(byNumber.keys()))
  return (
    <div className="answer-text">
      {parts.map((part, index) => {
        if (part.type === 'text') return <span key={index}>{part.text}</span>
        const citation = byNumber.get(part.n)!
        return (
          <button
            key={index}
            type="button"
            className="citation-chip"
            title={`${citation.path} · ${citation.periodStart}`}
            aria-label={`Source ${part.n}: ${citation.path}`}
            onClick={() => props.onOpen(citation)}
          >
            {part.n}
          </button>
        )
      })}
    </div>
  )
}
