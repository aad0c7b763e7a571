/** The model's reasoning for one answer, folded: it is not the answer, but it is there for whoever wants it. */
export function AnswerReasoning(props: { reasoning: string | null | undefined }) {
  const reasoning = props.reasoning?.trim()
  if (!reasoning) return null
  return (
    <details className="answer-reasoning">
      <summary>Reasoning ({reasoning.length.toLocaleString()} characters)</summary>
      <div className="answer-reasoning-text">{reasoning}</div>
    </details>
  )
}
