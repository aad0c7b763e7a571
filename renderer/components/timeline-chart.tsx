import { useEffect, useMemo, useState } from 'react'
import type { BrainApi } from '../../shared/ipc'
import type { TimelineResult } from '../../shared/notes-overview'
import { monthBuckets, yearTicks, type TimelineBucket } from '../format/timeline-buckets'

/**
 * A small bar chart of the weeks that match a query, month by month over every year of notes; the asked period is
 * marked, and clicking a bar narrows the question or search to that month.
 */
export function TimelineChart(props: { brain: BrainApi; query: string; onPick?(bucket: TimelineBucket, result: TimelineResult): void; label?: string }) {
  const { brain, query } = props
  const [result, setResult] = useState<TimelineResult | null>(null)
  useEffect(() => {
    let live = true
    if (!query.trim()) {
      setResult(null)
      return
    }
    brain.timeline(query).then(
      (value) => live && setResult(value),
      () => live && setResult(null),
    )
    return () => {
      live = false
    }
  }, [brain, query])
  const buckets = useMemo(() => (result ? monthBuckets(result.span, result.periods, result.period) : []), [result])
  if (!result || buckets.length < 2 || result.periods.length === 0) return null
  const max = Math.max(1, ...buckets.map((bucket) => bucket.weeks))
  const weeks = result.periods.length
  const ticks = yearTicks(buckets)
  const topic = result.searchedText || 'notes'
  return (
    <figure className="timeline" aria-label={props.label ?? 'Timeline of matching weeks'} data-weeks={weeks}>
      <figcaption className="timeline-caption">
        <span>
          {result.searchedText ? (
            <>
              “{topic}” in {weeks} {weeks === 1 ? 'week' : 'weeks'}
            </>
          ) : (
            <>
              {weeks} {weeks === 1 ? 'week' : 'weeks'} of notes
            </>
          )}
        </span>
        {props.onPick ? <span className="timeline-hint">click a month to narrow</span> : null}
      </figcaption>
      <div className="timeline-bars" role="group" aria-label="Months">
        {buckets.map((bucket) => (
          <button
            key={bucket.start}
            type="button"
            className={`timeline-bar${bucket.inPeriod ? ' is-in-period' : ''}${bucket.weeks === 0 ? ' is-empty' : ''}`}
            disabled={!props.onPick || bucket.weeks === 0}
            aria-label={`${bucket.label}: ${bucket.weeks} ${bucket.weeks === 1 ? 'week' : 'weeks'}`}
            title={`${bucket.label}: ${bucket.weeks} ${bucket.weeks === 1 ? 'week' : 'weeks'}, ${bucket.passages} ${bucket.passages === 1 ? 'passage' : 'passages'}`}
            onClick={() => props.onPick?.(bucket, result)}
          >
            <span className="timeline-fill" style={{ height: bucket.weeks === 0 ? undefined : `${Math.max(12, (bucket.weeks / max) * 100)}%` }} />
          </button>
        ))}
      </div>
      <div className="timeline-axis" aria-hidden="true">
        {ticks.map((tick) => (
          <span key={tick.year} style={{ left: `${(tick.index / buckets.length) * 100}%` }}>
            {tick.year}
          </span>
        ))}
      </div>
    </figure>
  )
}
