import type { MarkdownBlock } from './markdown-blocks'

// Packs a section's blocks into pieces that fit a token budget. Whole blocks are preferred; a block larger
// than the budget is opened up (list -> items -> lines), and only a single line larger than the budget is cut
// inside the line (at spaces, then characters).

/** A part of a section that can be placed whole, or opened into smaller parts when it does not fit. */
interface Unit {
  /** 0-based line indices, inclusive. */
  start: number
  end: number
  tokens: number
  children: () => Unit[]
  /** Set on an overlap unit that repeats only the end of a long line. */
  tail?: string
}

/** One piece of a section: a line range, or (for a cut line) part of one line's text. */
export interface Piece {
  /** 0-based line indices, inclusive. */
  start: number
  end: number
  /** Set only when the piece is part of one over-long line. */
  text?: string
  /** Set when the piece starts with the end of line `start` only (overlap taken from a long line). */
  head?: string
}

export interface PackOptions {
  countTokens: (text: string) => number
  /** Tokens the piece's text may use. */
  budget: number
  /** Tokens of the previous piece's end repeated at the start of the next. */
  overlap: number
}

export function packBlocks(lines: readonly string[], blocks: readonly MarkdownBlock[], options: PackOptions): Piece[] {
  const { countTokens, budget, overlap } = options
  const lineRangeText = (start: number, end: number): string =>
    start === end ? lines[start] : lines.slice(start, end + 1).join('\n')

  const lineUnits = (start: number, end: number): Unit[] => {
    const units: Unit[] = []
    for (let index = start; index <= end; index++) {
      if (lines[index].trim() === '') continue
      units.push({ start: index, end: index, tokens: countTokens(lines[index]), children: () => [] })
    }
    return units
  }
  const blockUnit = (block: MarkdownBlock): Unit => ({
    start: block.start,
    end: block.end,
    tokens: countTokens(lineRangeText(block.start, block.end)),
    children: () =>
      block.items && block.items.length > 1
        ? block.items.map((item) => ({
            start: item.start,
            end: item.end,
            tokens: countTokens(lineRangeText(item.start, item.end)),
            children: () => lineUnits(item.start, item.end),
          }))
        : lineUnits(block.start, block.end),
  })

  const pieces: Piece[] = []
  let current: Unit[] = []
  let currentTokens = 0

  const closeCurrent = (): void => {
    if (current.length === 0) return
    const first = current[0]
    const piece: Piece = { start: first.start, end: current[current.length - 1].end }
    if (first.tail !== undefined) piece.head = first.tail
    pieces.push(piece)
  }

  const startNext = (unit: Unit): void => {
    closeCurrent()
    const carried = tail(current, overlap, lines, countTokens)
    let carriedTokens = sumTokens(carried)
    // The carried overlap gives way first when it and the new unit do not fit together.
    while (carried.length > 0 && carriedTokens + unit.tokens > budget) carriedTokens -= carried.shift()!.tokens
    current = [...carried, unit]
    currentTokens = carriedTokens + unit.tokens
  }

  const place = (unit: Unit): void => {
    if (currentTokens + unit.tokens <= budget) {
      current.push(unit)
      currentTokens += unit.tokens
      return
    }
    if (unit.tokens <= budget) {
      startNext(unit)
      return
    }
    const children = unit.children()
    if (children.length > 0) {
      for (const child of children) place(child)
      return
    }
    // One line larger than the whole budget: its parts become pieces of their own, without overlap.
    closeCurrent()
    current = []
    currentTokens = 0
    for (const text of cutLine(lines[unit.start], budget, countTokens)) {
      pieces.push({ start: unit.start, end: unit.end, text })
    }
  }

  for (const block of blocks) place(blockUnit(block))
  closeCurrent()
  return pieces
}

function sumTokens(units: readonly Unit[]): number {
  let total = 0
  for (const unit of units) total += unit.tokens
  return total
}

/**
 * The last units (opened up where needed) whose tokens add up to at most `limit`. When a line is too long to
 * repeat whole, its last sentences (or words) are repeated, so prose written as one long line still overlaps.
 */
function tail(
  units: readonly Unit[],
  limit: number,
  lines: readonly string[],
  countTokens: (text: string) => number,
): Unit[] {
  const taken: Unit[] = []
  let used = 0
  for (let index = units.length - 1; index >= 0; index--) {
    const unit = units[index]
    if (used + unit.tokens <= limit) {
      taken.unshift(unit)
      used += unit.tokens
      continue
    }
    const children = unit.children()
    if (children.length > 0) {
      taken.unshift(...tail(children, limit - used, lines, countTokens))
    } else if (unit.tail === undefined && unit.start === unit.end) {
      const text = lineTail(lines[unit.start], limit - used, countTokens)
      if (text !== '') {
        taken.unshift({ start: unit.start, end: unit.end, tokens: countTokens(text), children: () => [], tail: text })
      }
    }
    break
  }
  return taken
}

/** The end of a line within `limit` tokens, cut after a sentence when the last sentences fit, else between words. */
export function lineTail(line: string, limit: number, countTokens: (text: string) => number): string {
  if (limit <= 0) return ''
  const text = line.trimEnd()
  for (const boundary of [/[.!?;]\s+(?=\S)/g, /\s+(?=\S)/g]) {
    // Offsets where a part starts, latest first; the line's own start is never used (that would be the whole line).
    const starts = [...text.matchAll(boundary)].map((match) => match.index + match[0].length).reverse()
    let best = -1
    for (const start of starts) {
      if (countTokens(text.slice(start)) > limit) break
      best = start
    }
    if (best !== -1) return text.slice(best)
  }
  return ''
}

/** Cuts one line into parts within the budget: at whitespace, and inside a word only when the word alone is too big. */
export function cutLine(line: string, budget: number, countTokens: (text: string) => number): string[] {
  const parts: string[] = []
  let current: string[] = []
  let currentTokens = 0
  const flush = (): void => {
    const text = current.join('').trim()
    if (text !== '') parts.push(text)
    current = []
    currentTokens = 0
  }
  for (const word of line.split(/(?<=\s)(?=\S)/)) {
    const tokens = countTokens(word)
    if (currentTokens + tokens <= budget) {
      current.push(word)
      currentTokens += tokens
      continue
    }
    flush()
    if (tokens <= budget) {
      current.push(word)
      currentTokens = tokens
      continue
    }
    for (const slice of cutWord(word, budget, countTokens)) parts.push(slice)
  }
  flush()
  return parts
}

function cutWord(word: string, budget: number, countTokens: (text: string) => number): string[] {
  const slices: string[] = []
  let offset = 0
  while (offset < word.length) {
    // Binary search for the longest slice within budget. A token covers at least one character, so a slice
    // never needs more characters than a generous multiple of the budget.
    let low = 1
    let high = Math.min(word.length - offset, Math.max(1, budget) * 32)
    while (low < high) {
      const middle = Math.ceil((low + high) / 2)
      if (countTokens(word.slice(offset, offset + middle)) <= budget) low = middle
      else high = middle - 1
    }
    // Never split a surrogate pair.
    if (low > 1 && isHighSurrogate(word.charCodeAt(offset + low - 1))) low--
    const slice = word.slice(offset, offset + low).trim()
    if (slice !== '') slices.push(slice)
    offset += low
  }
  return slices
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff
}
