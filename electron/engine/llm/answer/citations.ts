import type { Citation } from '../../../../shared/answer'

const CITATION_PATTERN = /\[(\d+(?:\s*[-–]\s*\d+)?(?:\s*,\s*\d+(?:\s*[-–]\s*\d+)?)*)\]/g

/** Passage numbers cited as `[n]`, `[n, m]`, `[n][m]` or `[n-m]`, in order of first appearance, without repeats. */
export function parseCitationNumbers(text: string): number[] {
  const seen = new Set<number>()
  for (const match of text.matchAll(CITATION_PATTERN)) {
    for (const part of match[1].split(',')) {
      const [from, to] = part.split(/[-–]/).map((value) => Number.parseInt(value.trim(), 10))
      const last = to === undefined || Number.isNaN(to) ? from : to
      // Years ("[2020-2023]") and wide ranges are not passage numbers.
      if (last < from || last - from > 20 || from > 999) continue
      for (let n = from; n <= last; n += 1) seen.add(n)
    }
  }
  return [...seen]
}

/** The sources the text cites; numbers that name no passage are ignored. */
export function citationsIn(text: string, sources: Citation[]): Citation[] {
  const byNumber = new Map(sources.map((source) => [source.n, source]))
  return parseCitationNumbers(text)
    .map((n) => byNumber.get(n))
    .filter((source): source is Citation => source !== undefined)
}
