/** A run of answer text, or a `[n]` citation marker to render as a chip. */
export type AnswerPart = { type: 'text'; text: string } | { type: 'citation'; n: number }

/**
 * Splits answer text at citation markers. `[1]`, `[2, 3]` and `[2][3]` all become chips; numbers the answer
 * has no source for stay plain text, so a stray "[2024]" in a note is not turned into a broken chip.
 */
export function splitCitations(text: string, known: ReadonlySet<number>): AnswerPart[] {
  const parts: AnswerPart[] = []
  const pattern = /\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/g
  let last = 0
  for (const match of text.matchAll(pattern)) {
    const numbers = match[1].split(',').map((value) => Number(value.trim()))
    if (!numbers.every((n) => known.has(n))) continue
    if (match.index > last) parts.push({ type: 'text', text: text.slice(last, match.index) })
    for (const n of numbers) parts.push({ type: 'citation', n })
    last = match.index + match[0].length
  }
  if (last < text.length) parts.push({ type: 'text', text: text.slice(last) })
  return mergeText(parts)
}

function mergeText(parts: AnswerPart[]): AnswerPart[] {
  const merged: AnswerPart[] = []
  for (const part of parts) {
    const previous = merged[merged.length - 1]
    if (part.type === 'text' && previous?.type === 'text') previous.text += part.text
    else merged.push(part.type === 'text' ? { ...part } : part)
  }
  return merged
}
