import { SNIPPET_MARK_END, SNIPPET_MARK_START } from '../../../shared/search'

export const SNIPPET_LENGTH = 200

const escapeRegExp = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * An excerpt of `text` around the first query term it contains, with every term occurrence marked. Used for hits
 * that only the vector search found (FTS5 builds the others). Terms are whole words, matched case-insensitively.
 */
export function buildSnippet(text: string, terms: string[], maxLength = SNIPPET_LENGTH): string {
  // The marks are reserved: a note containing them must not open a marked run that never closes.
  const flat = text.replace(/\s+/g, ' ').replaceAll(SNIPPET_MARK_START, '').replaceAll(SNIPPET_MARK_END, '').trim()
  const words = [...new Set(terms.map((term) => term.trim()).filter((term) => term.length > 0))]
  const pattern = words.length > 0
    ? new RegExp(`(?<![\\p{L}\\p{N}])(${words.map(escapeRegExp).sort((a, b) => b.length - a.length).join('|')})(?![\\p{L}\\p{N}])`, 'giu')
    : null
  let start = 0
  if (pattern) {
    const first = pattern.exec(flat)
    pattern.lastIndex = 0
    // Keep a little context before the first match.
    if (first && first.index > maxLength / 4) start = first.index - Math.floor(maxLength / 4)
  }
  if (start > 0) {
    const space = flat.indexOf(' ', start)
    if (space !== -1 && space - start < 20) start = space + 1
  }
  let end = Math.min(flat.length, start + maxLength)
  if (end < flat.length) {
    const space = flat.lastIndexOf(' ', end)
    if (space > start + maxLength / 2) end = space
  }
  let excerpt = flat.slice(start, end)
  if (pattern) excerpt = excerpt.replace(pattern, `${SNIPPET_MARK_START}$1${SNIPPET_MARK_END}`)
  return `${start > 0 ? '…' : ''}${excerpt}${end < flat.length ? '…' : ''}`
}

/**
 * Keyword snippets come from the embedded text, which starts with the heading path ("2024-W02 > Garden"); the hit
 * carries that path already, so the snippet keeps only the note's own words (unless they are empty).
 */
export function withoutHeadingLine(snippet: string, headingPath: string[]): string {
  const split = snippet.indexOf('\n\n')
  if (split === -1) return snippet
  const firstLine = snippet.slice(0, split).replaceAll(SNIPPET_MARK_START, '').replaceAll(SNIPPET_MARK_END, '').replace(/^(\.\.\.|…)/, '')
  if (firstLine.length === 0 || firstLine.includes('\n') || !headingPath.join(' > ').endsWith(firstLine)) return snippet
  const body = snippet.slice(split + 2)
  return body.trim().length > 0 ? body : snippet
}
