/** A labelled progress bar; `value` null shows an indeterminate bar. */
export function ProgressBar(props: { value: number | null; max?: number; label: string }) {
  const max = props.max ?? 1
  const ratio = props.value === null || max <= 0 ? null : Math.min(1, Math.max(0, props.value / max))
  return (
    <div
      className={`progress${ratio === null ? ' progress-indeterminate' : ''}`}
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={max}
      aria-valuenow={props.value ?? undefined}
    >
      <div className="progress-fill" style={ratio === null ? undefined : { width: `${(ratio * 100).toFixed(1)}%` }} />
    </div>
  )
}
