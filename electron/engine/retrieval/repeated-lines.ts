import type { SearchHit } from '../../../shared/search'

/**
 * Drops or trims hits that repeat lines an earlier (better) hit already cites, so no line of a note is shown or
 * cited twice. Split sections overlap by a few lines on purpose (for embedding), and a range listing meets both
 * pieces. A later hit keeps its lines that no earlier hit has (the larger block when they are split in two); its
 * text is trimmed to match when the text is the note's lines one for one, and it is dropped when not (a piece that
 * starts inside a long line cannot be cut on line boundaries).
 */
export function withoutRepeatedLines<T extends Pick<SearchHit, 'path' | 'startLine' | 'endLine' | 'text'>>(
  hits: T[],
  retrim: (hit: T, text: string) => Partial<T> = () => ({}),
): T[] {
  const covered = new Map<string, Array<[number, number]>>()
  const kept: T[] = []
  for (const hit of hits) {
    const ranges = covered.get(hit.path) ?? []
    const free = freeBlocks(hit.startLine, hit.endLine, ranges)
    let result: T | null = hit
    if (free.length === 0) result = null
    else if (free.length > 1 || free[0][0] !== hit.startLine || free[0][1] !== hit.endLine) {
      const [start, end] = free.reduce((best, block) => (block[1] - block[0] > best[1] - best[0] ? block : best))
      const lines = hit.text.split('\n')
      if (lines.length !== hit.endLine - hit.startLine + 1) result = null
      else {
        const text = lines.slice(start - hit.startLine, end - hit.startLine + 1).join('\n')
        result = text.trim().length === 0 ? null : { ...hit, startLine: start, endLine: end, text, ...retrim(hit, text) }
      }
    }
    if (!result) continue
    ranges.push([result.startLine, result.endLine])
    covered.set(hit.path, ranges)
    kept.push(result)
  }
  return kept
}

/** The runs of lines in [start, end] that none of `ranges` covers. */
function freeBlocks(start: number, end: number, ranges: Array<[number, number]>): Array<[number, number]> {
  const blocks: Array<[number, number]> = []
  let line = start
  const sorted = ranges.filter(([from, to]) => to >= start && from <= end).sort((a, b) => a[0] - b[0])
  for (const [from, to] of sorted) {
    if (from > line) blocks.push([line, Math.min(end, from - 1)])
    line = Math.max(line, to + 1)
    if (line > end) break
  }
  if (line <= end) blocks.push([line, end])
  return blocks
}
