import { createHash } from 'node:crypto'
import { BrainError } from '../../../shared/errors'
import type { NotePeriod } from '../../../shared/period'
import { notePeriod, periodFromHeading } from '../dates/note-period'
import { sectionPeriods } from '../dates/section-period'
import { isBoilerplate } from './boilerplate'
import { splitFrontMatterLines } from './front-matter'
import { noteFields } from './note-fields'
import { stripTemplateDirectives } from './template-directives'
import { scanBlocks, type MarkdownBlock } from './markdown-blocks'
import { packBlocks, type Piece } from './pack-pieces'
import { splitLines } from './split-lines'
import type { ChunkDraft, ChunkerOptions, NoteInput, ParsedNote } from './types'

/** Separates heading-path elements in the first line of embedText: "2023-W14 > Done > Infra". */
export const HEADING_PATH_SEPARATOR = ' > '

// A heading longer than this is shortened in the path line, so deep or verbose headings leave room for text.
const PATH_HEADING_MAX_CHARS = 80
// Smallest budget that leaves room for a path line and some text.
const MIN_MAX_TOKENS = 16

interface Section {
  headings: string[]
  blocks: MarkdownBlock[]
  /** Index of the heading that starts this section in the note's heading order; -1 before the first heading. */
  headingIndex: number
}

/**
 * Parses one note into its period, front matter and chunks. Pure: no I/O, the same input always gives the
 * same output. Throws BrainError('invalid-input') only for unusable options.
 */
export function parseNote(input: NoteInput, options: ChunkerOptions): ParsedNote {
  validateOptions(options)
  const original = splitLines(input.text)
  const frontMatter = splitFrontMatterLines(original)
  // Template directives and HTML comments are blanked before anything reads the body, so headings, chunks,
  // snippets and embeddings never see them; line numbers stay those of the file.
  const lines = stripTemplateDirectives(original, frontMatter.bodyStartIndex)
  const blocks = scanBlocks(lines, frontMatter.bodyStartIndex)
  const headingBlocks = blocks.filter((block) => block.kind === 'heading')
  const firstHeading = headingBlocks[0]?.text?.trim() || null

  const { label, ...period } = notePeriod({
    relativePath: input.relativePath,
    frontMatter: frontMatter.data,
    firstHeading,
    mtimeMs: input.mtimeMs,
    weekDateMeans: options.weekDateMeans,
  })
  const titleIndex = titleHeadingIndex(headingBlocks)
  const periods = sectionPeriods(
    headingBlocks.map((block, index) => ({ level: block.level ?? 1, text: block.text ?? '', isTitle: index === titleIndex })),
    period,
  )
  const fields = noteFields(frontMatter.data, titleIndex === -1 ? null : normalizeHeading(headingBlocks[titleIndex].text ?? ''))

  const chunks: ChunkDraft[] = []
  for (const section of sectionsOf(blocks, (heading) => restatesPeriod(heading, period, label))) {
    if (section.blocks.length === 0) continue
    const sectionPeriod: NotePeriod = section.headingIndex === -1 ? period : periods[section.headingIndex]
    const sectionStart = section.blocks[0].start
    const sectionEnd = section.blocks[section.blocks.length - 1].end
    if (isBoilerplate(lines.slice(sectionStart, sectionEnd + 1).join('\n'))) continue

    const headingPath = [label, ...section.headings]
    const pathLine = pathLineFor(headingPath, options)
    for (const piece of piecesWithinBudget(lines, section.blocks, pathLine, options)) {
      const text = pieceText(lines, piece)
      const embedText = `${pathLine}\n\n${text}`
      const contentHash = sha256(embedText)
      const ordinal = chunks.length
      chunks.push({
        id: sha256(`${input.relativePath}\n${ordinal}\n${contentHash}`).slice(0, 32),
        ordinal,
        headingPath,
        startLine: piece.start + 1,
        endLine: piece.end + 1,
        text,
        embedText,
        contentHash,
        periodStart: sectionPeriod.start,
        periodEnd: sectionPeriod.end,
        periodSource: sectionPeriod.source,
        periodInferred: sectionPeriod.inferred,
        title: fields.title,
        fields: fields.text,
      })
    }
  }

  return {
    period,
    label,
    frontMatter: frontMatter.data,
    frontMatterError: frontMatter.error,
    title: fields.title,
    fields: fields.text,
    chunks,
  }
}

/**
 * The heading that titles the note: the first heading when it is the only level-1 heading. A note whose days are
 * all level-1 headings has no title heading, so its first day keeps its own date.
 */
function titleHeadingIndex(headings: readonly MarkdownBlock[]): number {
  if (headings.length === 0 || (headings[0].level ?? 1) !== 1) return -1
  return headings.filter((heading) => (heading.level ?? 1) === 1).length === 1 ? 0 : -1
}

function validateOptions(options: ChunkerOptions): void {
  if (!Number.isInteger(options.maxTokens) || options.maxTokens < MIN_MAX_TOKENS) {
    throw new BrainError('invalid-input', `maxTokens must be an integer of at least ${MIN_MAX_TOKENS}.`, {
      details: { maxTokens: options.maxTokens },
    })
  }
  if (!Number.isFinite(options.overlapTokens) || options.overlapTokens < 0) {
    throw new BrainError('invalid-input', 'overlapTokens must be zero or more.', {
      details: { overlapTokens: options.overlapTokens },
    })
  }
}

/** Groups blocks under their heading path; a heading with no blocks of its own yields an empty section. */
function sectionsOf(blocks: readonly MarkdownBlock[], omitHeading: (text: string) => boolean): Section[] {
  const sections: Section[] = []
  const stack: Array<{ level: number; text: string | null }> = []
  let current: Section = { headings: [], blocks: [], headingIndex: -1 }
  let headingIndex = -1
  for (const block of blocks) {
    if (block.kind !== 'heading') {
      current.blocks.push(block)
      continue
    }
    headingIndex += 1
    sections.push(current)
    const level = block.level ?? 1
    while (stack.length > 0 && stack[stack.length - 1].level >= level) stack.pop()
    const text = normalizeHeading(block.text ?? '')
    stack.push({ level, text: text === '' || omitHeading(text) ? null : text })
    current = { headings: stack.flatMap((entry) => (entry.text === null ? [] : [entry.text])), blocks: [], headingIndex }
  }
  sections.push(current)
  return sections
}

/** Heading text for the path: links and wiki links reduced to their text, emphasis and code marks dropped. */
function normalizeHeading(text: string): string {
  return text
    .replace(/\[\[([^\]|]*)(?:\|([^\]]*))?\]\]/g, (_match, target: string, alias?: string) => alias ?? target)
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\*\*|__|`/g, '')
    .replace(/^[*_]+|[*_]+$/g, '')
    .replace(/\s+/g, ' ')
    .trim()
}

/** A title like "# Week 14, 2023" only repeats the period the label already gives, so it is left out of paths. */
function restatesPeriod(heading: string, period: { start: string; end: string }, label: string): boolean {
  if (heading === label) return true
  const named = periodFromHeading(heading)
  return named !== null && named.start === period.start && named.end === period.end
}

function pathLineFor(headingPath: string[], options: ChunkerOptions): string {
  const limit = Math.floor(options.maxTokens / 2)
  let line = headingPath.join(HEADING_PATH_SEPARATOR)
  if (options.countTokens(line) <= limit) return line
  const shortened = headingPath.map(shortenHeading)
  line = shortened.join(HEADING_PATH_SEPARATOR)
  if (options.countTokens(line) <= limit) return line
  // Very deep paths keep the label and the nearest heading.
  line = [shortened[0], shortened[shortened.length - 1]].join(HEADING_PATH_SEPARATOR)
  while (options.countTokens(line) > limit && line.length > 1) line = line.slice(0, Math.floor(line.length * 0.8))
  return line
}

function shortenHeading(text: string): string {
  return text.length <= PATH_HEADING_MAX_CHARS ? text : `${text.slice(0, PATH_HEADING_MAX_CHARS - 1)}…`
}

/**
 * Packs against the budget left after the path line, then checks each piece's real embedText count: a
 * tokenizer that is not additive across lines could push a piece over, and then the section is packed again
 * with a tighter budget.
 */
function piecesWithinBudget(
  lines: readonly string[],
  blocks: readonly MarkdownBlock[],
  pathLine: string,
  options: ChunkerOptions,
): Piece[] {
  const { countTokens, maxTokens } = options
  // Most sections of a weekly note fit whole: one count of the whole text settles it, instead of counting every
  // block, item and line for the packer (tokenizing is most of the indexer's time outside the model).
  if (blocks.length > 0) {
    const whole: Piece = { start: blocks[0].start, end: blocks[blocks.length - 1].end }
    if (countTokens(`${pathLine}\n\n${pieceText(lines, whole)}`) <= maxTokens) return [whole]
  }
  let budget = maxTokens - countTokens(`${pathLine}\n\n`)
  for (;;) {
    const pieces = packBlocks(lines, blocks, {
      countTokens,
      budget,
      overlap: Math.min(options.overlapTokens, Math.floor(budget / 2)),
    })
    let worstOvershoot = 0
    for (const piece of pieces) {
      const text = pieceText(lines, piece)
      worstOvershoot = Math.max(worstOvershoot, countTokens(`${pathLine}\n\n${text}`) - maxTokens)
    }
    if (worstOvershoot <= 0 || budget <= 1) return pieces
    budget = Math.max(1, budget - worstOvershoot)
  }
}

function pieceText(lines: readonly string[], piece: Piece): string {
  if (piece.text !== undefined) return piece.text
  if (piece.head !== undefined) return [piece.head, ...lines.slice(piece.start + 1, piece.end + 1)].join('\n')
  return lines.slice(piece.start, piece.end + 1).join('\n')
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}
