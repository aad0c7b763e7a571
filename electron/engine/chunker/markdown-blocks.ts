// A small line-based block scanner: just enough CommonMark/GFM to know where headings, lists, fenced code,
// tables and comments start and end, so chunks can follow the note's structure and keep line numbers.

/** The block kinds the chunker tells apart; everything else is a paragraph. */
export type BlockKind = 'heading' | 'paragraph' | 'list' | 'fence' | 'table' | 'html-comment' | 'thematic-break'

/** A run of lines forming one markdown block. Line indices are 0-based and inclusive. */
export interface MarkdownBlock {
  kind: BlockKind
  start: number
  end: number
  /** Headings only: 1..6. */
  level?: number
  /** Headings only: the heading text without `#` marks or underline. */
  text?: string
  /** Lists only: the line ranges of the top-level items (nested items stay inside their parent). */
  items?: Array<{ start: number; end: number }>
}

const BLANK = /^[ \t]*$/
const ATX_HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*))?$/
const ATX_CLOSING = /(?:^|[ \t]+)#+[ \t]*$/
const FENCE_OPEN = /^( {0,3})(`{3,}|~{3,})(.*)$/
const NESTED_FENCE_OPEN = /^[ \t]*(`{3,}|~{3,})(.*)$/
const FENCE_CLOSE = /^[ \t]*(`{3,}|~{3,})[ \t]*$/
const THEMATIC_BREAK = /^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$/
const SETEXT_LEVEL_1 = /^ {0,3}=+[ \t]*$/
const SETEXT_LEVEL_2 = /^ {0,3}-+[ \t]*$/
const LIST_ITEM = /^([ \t]*)([-*+]|\d{1,9}[.)])(?:[ \t]+(\S?)|$)/
const TABLE_DELIMITER = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/
const HTML_COMMENT_OPEN = /^ {0,3}<!--/

interface Fence {
  marker: string
  length: number
}

/** Splits lines[from..] into blocks (blank lines belong to no block). Linear in the number of lines. */
export function scanBlocks(lines: readonly string[], from = 0): MarkdownBlock[] {
  const blocks: MarkdownBlock[] = []
  let index = from
  while (index < lines.length) {
    const line = lines[index]
    if (BLANK.test(line)) {
      index++
      continue
    }
    const block =
      scanFence(lines, index) ??
      scanHtmlComment(lines, index) ??
      scanAtxHeading(lines, index) ??
      (THEMATIC_BREAK.test(line) ? { kind: 'thematic-break' as const, start: index, end: index } : null) ??
      scanTable(lines, index) ??
      scanList(lines, index) ??
      scanParagraph(lines, index)
    blocks.push(block)
    index = block.end + 1
  }
  return blocks
}

function indentOf(line: string): number {
  let width = 0
  for (let index = 0; index < line.length; index++) {
    const char = line[index]
    if (char === ' ') width++
    else if (char === '\t') width += 4 - (width % 4)
    else break
  }
  return width
}

function openFence(line: string, pattern: RegExp): Fence | null {
  const match = pattern.exec(line)
  if (!match) return null
  const marker = pattern === FENCE_OPEN ? match[2] : match[1]
  const info = pattern === FENCE_OPEN ? match[3] : match[2]
  // A backtick fence's info string cannot contain a backtick (that is inline code).
  if (marker[0] === '`' && info.includes('`')) return null
  return { marker: marker[0], length: marker.length }
}

function closesFence(line: string, fence: Fence): boolean {
  const match = FENCE_CLOSE.exec(line)
  return match !== null && match[1][0] === fence.marker && match[1].length >= fence.length
}

function lastNonBlank(lines: readonly string[], from: number, to: number): number {
  let end = to
  while (end > from && BLANK.test(lines[end])) end--
  return end
}

function scanFence(lines: readonly string[], start: number): MarkdownBlock | null {
  const fence = openFence(lines[start], FENCE_OPEN)
  if (!fence) return null
  for (let index = start + 1; index < lines.length; index++) {
    if (indentOf(lines[index]) <= 3 && closesFence(lines[index], fence)) return { kind: 'fence', start, end: index }
  }
  // An unclosed fence runs to the end of the note, as markdown renderers show it.
  return { kind: 'fence', start, end: lastNonBlank(lines, start, lines.length - 1) }
}

function scanHtmlComment(lines: readonly string[], start: number): MarkdownBlock | null {
  const open = HTML_COMMENT_OPEN.exec(lines[start])
  if (!open) return null
  if (lines[start].indexOf('-->', open[0].length) !== -1) return { kind: 'html-comment', start, end: start }
  for (let index = start + 1; index < lines.length; index++) {
    if (lines[index].includes('-->')) return { kind: 'html-comment', start, end: index }
  }
  return { kind: 'html-comment', start, end: lastNonBlank(lines, start, lines.length - 1) }
}

function scanAtxHeading(lines: readonly string[], start: number): MarkdownBlock | null {
  const match = ATX_HEADING.exec(lines[start])
  if (!match) return null
  const text = (match[2] ?? '').replace(ATX_CLOSING, '').trim()
  return { kind: 'heading', start, end: start, level: match[1].length, text }
}

function isTableStart(lines: readonly string[], index: number): boolean {
  const header = lines[index]
  const delimiter = lines[index + 1]
  return (
    delimiter !== undefined &&
    header.includes('|') &&
    delimiter.includes('|') &&
    indentOf(header) <= 3 &&
    TABLE_DELIMITER.test(delimiter)
  )
}

function scanTable(lines: readonly string[], start: number): MarkdownBlock | null {
  if (!isTableStart(lines, start)) return null
  let end = start + 1
  while (end + 1 < lines.length && !BLANK.test(lines[end + 1]) && lines[end + 1].includes('|')) end++
  return { kind: 'table', start, end }
}

function isListItem(line: string): boolean {
  return LIST_ITEM.test(line) && !THEMATIC_BREAK.test(line)
}

/** Lines that end a paragraph or a list item's lazy continuation without a blank line. */
function startsBlock(lines: readonly string[], index: number): boolean {
  const line = lines[index]
  return (
    ATX_HEADING.test(line) ||
    openFence(line, FENCE_OPEN) !== null ||
    THEMATIC_BREAK.test(line) ||
    HTML_COMMENT_OPEN.test(line) ||
    isTableStart(lines, index)
  )
}

function scanList(lines: readonly string[], start: number): MarkdownBlock | null {
  const first = lines[start]
  const baseIndent = indentOf(first)
  if (baseIndent > 3 || !isListItem(first)) return null

  const items: Array<{ start: number; end: number }> = []
  let itemStart = start
  let end = start
  let nestedFence: (Fence & { indent: number }) | null = null
  let index = start + 1
  while (index < lines.length) {
    const line = lines[index]
    const blank = BLANK.test(line)
    const indent = indentOf(line)

    if (nestedFence) {
      // A fence inside an item ends at its closing line, or when the item's indentation ends.
      if (blank || indent >= nestedFence.indent) {
        if (!blank && closesFence(line, nestedFence)) nestedFence = null
        if (!blank) end = index
        index++
        continue
      }
      nestedFence = null
    }

    if (blank) {
      let next = index + 1
      while (next < lines.length && BLANK.test(lines[next])) next++
      if (next >= lines.length) break
      const nextIndent = indentOf(lines[next])
      if (nextIndent > baseIndent + 1 || (nextIndent <= baseIndent + 1 && isListItem(lines[next]))) {
        index = next
        continue
      }
      break
    }

    if (indent <= baseIndent + 1 && isListItem(line)) {
      items.push({ start: itemStart, end })
      itemStart = index
      end = index
      index++
      continue
    }

    if (indent > baseIndent + 1) {
      const fence = openFence(line, NESTED_FENCE_OPEN)
      if (fence) nestedFence = { ...fence, indent }
      end = index
      index++
      continue
    }

    // An unindented line right after an item's text continues it, unless it starts a block of its own.
    if (startsBlock(lines, index) || BLANK.test(lines[index - 1])) break
    end = index
    index++
  }
  items.push({ start: itemStart, end })
  return { kind: 'list', start, end, items }
}

function scanParagraph(lines: readonly string[], start: number): MarkdownBlock {
  const quoted = lines[start].trimStart().startsWith('>')
  let index = start + 1
  while (index < lines.length) {
    const line = lines[index]
    if (BLANK.test(line)) break
    if (!quoted && (SETEXT_LEVEL_1.test(line) || SETEXT_LEVEL_2.test(line))) {
      const text = lines
        .slice(start, index)
        .map((part) => part.trim())
        .join(' ')
      return { kind: 'heading', start, end: index, level: SETEXT_LEVEL_1.test(line) ? 1 : 2, text }
    }
    if (startsBlock(lines, index) || (isListItem(line) && indentOf(line) <= 3 && startsNonEmptyItem(line))) break
    index++
  }
  return { kind: 'paragraph', start, end: index - 1 }
}

// An empty item ("-" alone) cannot interrupt a paragraph (CommonMark), which keeps "text\n-" a setext heading.
function startsNonEmptyItem(line: string): boolean {
  const match = LIST_ITEM.exec(line)
  return match !== null && match[3] !== undefined && match[3] !== ''
}
