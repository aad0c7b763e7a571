import type { AnswerMeta } from '../../shared/answer'

/** What the engine understood of a question, shown as chips the user can remove to re-ask without that reading. */
export interface Understanding {
  /** The follow-up as the engine read it, when it differs from what was typed. */
  rewritten: string | null
  period: { label: string; start: string; end: string } | null
}

function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim().toLowerCase().replace(/[?.!]+$/, '')
}

export function understandingOf(question: string, meta: Pick<AnswerMeta, 'standaloneQuery' | 'period'>): Understanding {
  const rewritten = meta.standaloneQuery && normalise(meta.standaloneQuery) !== normalise(question) ? meta.standaloneQuery : null
  return { rewritten, period: meta.period ? { label: meta.period.label, start: meta.period.start, end: meta.period.end } : null }
}

export function UnderstandingChips(props: { understanding: Understanding; disabled: boolean; onDropRewrite(): void; onDropPeriod(): void }) {
  const { rewritten, period } = props.understanding
  if (!rewritten && !period) return null
  return (
    <div className="understanding" aria-label="How the question was read">
      {rewritten ? (
        <span className="chip chip-rewrite">
          <span className="chip-text">
            read as: <q>{rewritten}</q>
          </span>
          <button type="button" className="chip-remove" aria-label={`Ask as typed, not as “${rewritten}”`} title="Ask the question as typed" disabled={props.disabled} onClick={props.onDropRewrite}>
            ×
          </button>
        </span>
      ) : null}
      {period ? (
        <span className="chip chip-period" title={`${period.start} – ${period.end}`}>
          <span className="chip-text">{period.label}</span>
          <button type="button" className="chip-remove" aria-label={`Ask again without ${period.label}`} title="Ask again without this period" disabled={props.disabled} onClick={props.onDropPeriod}>
            ×
          </button>
        </span>
      ) : null}
    </div>
  )
}
