/**
 * A small, safe markdown reader for passages from the user's notes: paragraphs, headings, lists (nested by indent),
 * block quotes, fenced code, links (inline, reference and bare URLs), emphasis, inline code. HTML tags are dropped
 * (their text kept) and entities decoded, so nothing from a note is ever inserted as markup. Passages are cut from
 * the middle of notes, so anything unclosed is read as plain text rather than guessed at.
 */

export type Inline =
  | { type: 'text'; text: string }
  | { type: 'strong'; children: Inline[] }
  | { type: 'em'; children: Inline[] }
  | { type: 'code'; text: string }
  | { type: 'link'; href: string; children: Inline[] }

export type Block =
  | { type: 'paragraph'; children: Inline[] }
  | { type: 'heading'; level: number; children: Inline[] }
  | { type: 'list'; ordered: boolean; items: Block[][] }
  | { type: 'quote'; children: Block[] }
  | { type: 'code'; text: string }

const LIST_ITEM = /^(\s*)([-*+]|\d{1,3}[.)])\s+(.*)$/
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/
const FENCE = /^\s{0,3}(```|~~~)/
const REFERENCE_DEFINITION = /^\s{0,3}\[([^\]]+)\]:\s*(\S+)(?:\s+["'(].*["')])?\s*$/
const QUOTE = /^\s{0,3}>\s?(.*)$/
const RULE = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/

/** Parses markdown into blocks. Reference definitions (`[PR #308]: https://…`) are used for links and not shown. */
export function parseMarkdown(source: string): Block[] {
  const lines = reopenCutLink(source.replace(/\r\n?/g, '\n')).split('\n')
  const references = new Map<string, string>()
  const kept: string[] = []
  for (const line of lines) {
    const definition = REFERENCE_DEFINITION.exec(line)
    if (definition) references.set(definition[1].toLowerCase(), definition[2].replace(/^<|>$/g, ''))
    else kept.push(line)
  }
  return parseBlocks(kept, references)
}

/**
 * A passage cut inside a link whose text wrapped ("[Office\nEnergy](https://…)") starts with the link's tail,
 * "Energy](https://…)": given back its opening bracket, it reads as the link it was instead of raw syntax.
 */
function reopenCutLink(text: string): string {
  const match = /^(\s*)([^[\]\n]+\]\((?:https?:|mailto:)[^)\s]*\))/.exec(text)
  return match ? `${match[1]}[${text.slice(match[1].length)}` : text
}

function parseBlocks(lines: string[], references: Map<string, string>): Block[] {
  const blocks: Block[] = []
  let index = 0
  while (index < lines.length) {
    const line = lines[index]
    if (line.trim() === '' || RULE.test(line)) {
      index += 1
      continue
    }
    if (FENCE.test(line)) {
      const marker = FENCE.exec(line)![1]
      const body: string[] = []
      index += 1
      while (index < lines.length && !lines[index].trimStart().startsWith(marker)) body.push(lines[index++])
      index += 1
      blocks.push({ type: 'code', text: body.join('\n') })
      continue
    }
    const heading = HEADING.exec(line)
    if (heading) {
      blocks.push({ type: 'heading', level: heading[1].length, children: parseInline(heading[2], references) })
      index += 1
      continue
    }
    if (QUOTE.test(line)) {
      const body: string[] = []
      while (index < lines.length && QUOTE.test(lines[index])) body.push(QUOTE.exec(lines[index++])![1])
      blocks.push({ type: 'quote', children: parseBlocks(body, references) })
      continue
    }
    if (LIST_ITEM.test(line)) {
      const taken = parseList(lines, index, references)
      blocks.push(taken.block)
      index = taken.next
      continue
    }
    const paragraph: string[] = []
    while (index < lines.length && lines[index].trim() !== '' && !startsBlock(lines[index])) paragraph.push(lines[index++].trim())
    blocks.push({ type: 'paragraph', children: parseInline(paragraph.join(' '), references) })
  }
  return blocks
}

function startsBlock(line: string): boolean {
  return FENCE.test(line) || HEADING.test(line) || QUOTE.test(line) || LIST_ITEM.test(line) || RULE.test(line)
}

/** A list and everything indented under its items (continuation lines and nested lists). */
function parseList(lines: string[], start: number, references: Map<string, string>): { block: Block; next: number } {
  const first = LIST_ITEM.exec(lines[start])!
  const indent = first[1].length
  const ordered = /\d/.test(first[2])
  const items: Block[][] = []
  let index = start
  while (index < lines.length) {
    const match = LIST_ITEM.exec(lines[index])
    if (!match || match[1].length < indent) break
    if (match[1].length > indent) break
    const body: string[] = [match[3]]
    index += 1
    while (index < lines.length) {
      const next = lines[index]
      if (next.trim() === '') {
        // A blank line ends the item unless the next line is indented under it.
        const following = lines[index + 1]
        if (following !== undefined && leadingSpaces(following) > indent && following.trim() !== '') {
          body.push('')
          index += 1
          continue
        }
        break
      }
      const nested = LIST_ITEM.exec(next)
      if (nested && nested[1].length <= indent) break
      if (!nested && leadingSpaces(next) <= indent && startsBlock(next)) break
      body.push(leadingSpaces(next) > indent ? next.slice(Math.min(leadingSpaces(next), indent + 2)) : next.trim())
      index += 1
    }
    items.push(parseBlocks(body, references))
  }
  return { block: { type: 'list', ordered, items }, next: index }
}

function leadingSpaces(line: string): number {
  return line.length - line.replace(/^[ \t]+/, '').length
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', mdash: '—', ndash: '–', hellip: '…', rsquo: '’', lsquo: '‘', rdquo: '”', ldquo: '“' }

/** Decodes HTML entities (`&#129358;`, `&amp;`); unknown ones stay as written. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1))
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole
    }
    return ENTITIES[name.toLowerCase()] ?? whole
  })
}

/** Only web and mail links are made clickable; anything else (javascript:, file:, relative paths) stays text. */
export function safeHref(href: string): string | null {
  return /^(https?:|mailto:)/i.test(href.trim()) ? href.trim() : null
}

/** Parses one line of inline markdown. */
export function parseInline(source: string, references: Map<string, string> = new Map()): Inline[] {
  // Tags go (their text stays), then entities are decoded once; escapes keep the next character literal.
  const text = source.replace(/<\/?[a-z][^>]*>/gi, '').replace(/\{\{[^}]*\}\}|\{%[^%]*%\}/g, '')
  return merge(inline(decodeEntities(text), references))
}

function inline(text: string, references: Map<string, string>): Inline[] {
  const out: Inline[] = []
  let plain = ''
  const flush = () => {
    if (plain) out.push({ type: 'text', text: plain })
    plain = ''
  }
  let index = 0
  while (index < text.length) {
    const char = text[index]
    const rest = text.slice(index)
    if (char === '\\' && index + 1 < text.length && /[\\`*_[\]()#+\-.!|{}<>~]/.test(text[index + 1])) {
      plain += text[index + 1]
      index += 2
      continue
    }
    if (char === '`') {
      const end = text.indexOf('`', index + 1)
      if (end > index) {
        flush()
        out.push({ type: 'code', text: text.slice(index + 1, end) })
        index = end + 1
        continue
      }
    }
    if (char === '!' && text[index + 1] === '[') {
      // Images are not loaded (the notes' images are elsewhere); their alt text says what was there.
      const image = /^!\[([^\]]*)\]\(([^)\s]*)[^)]*\)/.exec(rest)
      if (image) {
        if (image[1]) plain += `[${image[1]}]`
        index += image[0].length
        continue
      }
    }
    if (char === '[') {
      const footnote = /^\[\^([^\]]+)\]/.exec(rest)
      if (footnote) {
        plain += `[${footnote[1]}]`
        index += footnote[0].length
        continue
      }
      const link = /^\[((?:[^[\]]|\[[^\]]*\])*)\](?:\(\s*<?([^)\s>]*)>?(?:\s+["'][^)]*["'])?\s*\)|\[([^\]]*)\])?/.exec(rest)
      if (link && (link[2] !== undefined || link[3] !== undefined || references.has(link[1].toLowerCase()))) {
        const label = link[1]
        const href = link[2] ?? references.get((link[3] || label).toLowerCase()) ?? null
        const safe = href ? safeHref(href) : null
        flush()
        const children = inline(label, references)
        if (safe) out.push({ type: 'link', href: safe, children })
        else out.push(...children)
        index += link[0].length
        continue
      }
    }
    if ((char === '*' || char === '_') && text[index + 1] === char) {
      const end = text.indexOf(char + char, index + 2)
      if (end > index + 2) {
        flush()
        out.push({ type: 'strong', children: inline(text.slice(index + 2, end), references) })
        index = end + 2
        continue
      }
    }
    if (char === '*' || (char === '_' && !/[\p{L}\p{N}]/u.test(text[index - 1] ?? ''))) {
      const end = findEmphasisEnd(text, index, char)
      if (end > index + 1) {
        flush()
        out.push({ type: 'em', children: inline(text.slice(index + 1, end), references) })
        index = end + 1
        continue
      }
    }
    const url = /^https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"]/.exec(rest)
    if (url && !/[\p{L}\p{N}]/u.test(text[index - 1] ?? '')) {
      flush()
      out.push({ type: 'link', href: url[0], children: [{ type: 'text', text: url[0] }] })
      index += url[0].length
      continue
    }
    plain += char
    index += 1
  }
  flush()
  return out
}

function findEmphasisEnd(text: string, start: number, marker: string): number {
  if (/\s/.test(text[start + 1] ?? ' ')) return -1
  for (let index = start + 1; index < text.length; index += 1) {
    if (text[index] === marker && !/\s/.test(text[index - 1]) && text[index + 1] !== marker) {
      if (marker === '_' && /[\p{L}\p{N}]/u.test(text[index + 1] ?? '')) continue
      return index
    }
  }
  return -1
}

function merge(parts: Inline[]): Inline[] {
  const merged: Inline[] = []
  for (const part of parts) {
    const previous = merged[merged.length - 1]
    if (part.type === 'text' && previous?.type === 'text') previous.text += part.text
    else merged.push(part.type === 'text' ? { ...part } : part)
  }
  return merged
}

/** The plain text of inline runs (for titles, labels and tests). */
export function inlineText(parts: Inline[]): string {
  return parts.map((part) => (part.type === 'text' || part.type === 'code' ? part.text : inlineText(part.children))).join('')
}
