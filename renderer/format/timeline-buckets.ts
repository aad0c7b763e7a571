import { MONTH_NAMES, SHORT_MONTH_NAMES } from '../../shared/dates/calendar-date'
import type { Period } from '../../shared/period'


export interface TimelineBucket {
  /** First and last day of the bucket's month. */
  start: string
  end: string
  /** "Mar 2020". */
  label: string
  /** How a question names this month, for narrowing: "March 2020". */
  phrase: string
  /** Matching weeks (note periods) that start in this month. */
  weeks: number
  passages: number
  /** The asked period overlaps this month. */
  inPeriod: boolean
}

function lastDay(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate()
}

/**
 * One bucket per month from the first to the last note, so gaps show as gaps; matching note periods are counted in
 * the month they start in. Spans longer than `maxBuckets` months are cut to the newest ones.
 */
export function monthBuckets(span: Period | null, periods: ReadonlyArray<{ start: string; end: string; count: number }>, asked: Period | null, maxBuckets = 120): TimelineBucket[] {
  if (!span) return []
  const first = /^(\d{4})-(\d{2})/.exec(span.start)
  const last = /^(\d{4})-(\d{2})/.exec(span.end)
  if (!first || !last) return []
  let year = Number(first[1])
  let month = Number(first[2]) - 1
  const endYear = Number(last[1])
  const endMonth = Number(last[2]) - 1
  const buckets: TimelineBucket[] = []
  const index = new Map<string, TimelineBucket>()
  while (year < endYear || (year === endYear && month <= endMonth)) {
    const key = `${year}-${String(month + 1).padStart(2, '0')}`
    const start = `${key}-01`
    const end = `${key}-${String(lastDay(year, month)).padStart(2, '0')}`
    const bucket: TimelineBucket = {
      start,
      end,
      label: `${SHORT_MONTH_NAMES[month]} ${year}`,
      phrase: `${MONTH_NAMES[month]} ${year}`,
      weeks: 0,
      passages: 0,
      inPeriod: asked !== null && asked.start <= end && start <= asked.end,
    }
    buckets.push(bucket)
    index.set(key, bucket)
    month += 1
    if (month === 12) {
      month = 0
      year += 1
    }
  }
  for (const period of periods) {
    const bucket = index.get(period.start.slice(0, 7))
    if (!bucket) continue
    bucket.weeks += 1
    bucket.passages += period.count
  }
  return buckets.length > maxBuckets ? buckets.slice(buckets.length - maxBuckets) : buckets
}

/** Years that start inside the buckets, with the bucket index they start at, for the axis labels. */
export function yearTicks(buckets: readonly TimelineBucket[]): Array<{ year: string; index: number }> {
  const ticks: Array<{ year: string; index: number }> = []
  buckets.forEach((bucket, position) => {
    if (position === 0 || bucket.start.endsWith('-01-01')) ticks.push({ year: bucket.start.slice(0, 4), index: position })
  })
  return ticks
}
