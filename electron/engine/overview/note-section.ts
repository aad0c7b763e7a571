import { BrainError } from '../../../shared/errors'
import type { NoteSection } from '../../../shared/notes-overview'
import type { MetaStore } from '../store/meta-store'

/** Passages shown around the asked one at most: a long section is cut around it, not shown whole. */
const MAX_AROUND = 3

/**
 * The passages of a note that share the heading of the passage at `startLine`, read from the index (not the file,
 * which may have changed or gone): what the source panel shows as "the surrounding section".
 */
export function noteSection(meta: MetaStore, path: string, startLine: number): NoteSection {
  if (typeof path !== 'string' || !Number.isInteger(startLine)) throw new BrainError('invalid-input', 'A note path and a line number are needed.')
  const chunks = meta.chunks.forFile(path)
  const index = chunks.findIndex((chunk) => chunk.startLine <= startLine && startLine <= chunk.endLine)
  if (index === -1) throw new BrainError('not-found', `${path} has no indexed passage at line ${startLine}; it may have changed since.`)
  const target = chunks[index]
  const key = JSON.stringify(target.headingPath)
  let first = index
  while (first > 0 && index - first < MAX_AROUND && JSON.stringify(chunks[first - 1].headingPath) === key) first -= 1
  let last = index
  while (last < chunks.length - 1 && last - index < MAX_AROUND && JSON.stringify(chunks[last + 1].headingPath) === key) last += 1
  return {
    path,
    headingPath: target.headingPath,
    periodStart: target.periodStart,
    periodEnd: target.periodEnd,
    passages: chunks.slice(first, last + 1).map((chunk, offset) => ({ startLine: chunk.startLine, endLine: chunk.endLine, text: chunk.text, isPassage: first + offset === index })),
  }
}
