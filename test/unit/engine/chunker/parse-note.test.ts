import { createHash } from 'node:crypto'
import { BertTokenizer } from '@huggingface/transformers'
import { describe, expect, it } from 'vitest'
import { BrainError } from '../../../../shared/errors'
import { approximateTokenCount } from '../../../../electron/engine/chunker/approximate-tokens'
import { parseNote } from '../../../../electron/engine/chunker/parse-note'
import type { ChunkDraft, ChunkerOptions, ParsedNote } from '../../../../electron/engine/chunker/types'
import { buildTinyTokenizerJson, buildTinyVocabulary } from '../../../support/tiny-embedding-model'

const DEFAULTS: ChunkerOptions = { countTokens: approximateTokenCount, maxTokens: 320, overlapTokens: 32 }
const MTIME = Date.UTC(2024, 6, 15)

function parse(text: string, relativePath = '2023-W14.md', options: Partial<ChunkerOptions> = {}): ParsedNote {
  return parseNote({ relativePath, text, mtimeMs: MTIME }, { ...DEFAULTS, ...options })
}

/** The original file's lines, split independently of the chunker. */
function originalLines(text: string): string[] {
  return text.replace(/^\uFEFF/, '').split(/\r\n|\n/)
}

function expectExactLines(text: string, chunks: ChunkDraft[]): void {
  const lines = originalLines(text)
  for (const chunk of chunks) {
    expect(chunk.startLine).toBeGreaterThanOrEqual(1)
    expect(chunk.endLine).toBeGreaterThanOrEqual(chunk.startLine)
    expect(chunk.text).toBe(lines.slice(chunk.startLine - 1, chunk.endLine).join('\n'))
  }
}

/** For pieces of a split section: the first line may be only the end of the original line (repeated overlap). */
function expectLinesWithOverlapHeads(text: string, chunks: ChunkDraft[]): void {
  const lines = originalLines(text)
  for (const chunk of chunks) {
    const [head, ...rest] = chunk.text.split('\n')
    expect(lines[chunk.startLine - 1].endsWith(head), `head of chunk ${chunk.ordinal}`).toBe(true)
    expect(rest).toEqual(lines.slice(chunk.startLine, chunk.endLine))
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

function summary(note: ParsedNote): Array<[string, string]> {
  return note.chunks.map((chunk) => [chunk.headingPath.join(' > '), chunk.text])
}

describe('parseNote: headings and paths', () => {
  it.each([
    {
      name: 'nested ATX headings',
      text: '# Work\nintro\n## Done\n### Infra\n- db moved\n## Next\nplan it',
      expected: [
        ['2023-W14 > Work', 'intro'],
        ['2023-W14 > Work > Done > Infra', '- db moved'],
        ['2023-W14 > Work > Next', 'plan it'],
      ],
    },
    {
      name: 'a heading with only sub-headings has no chunk of its own',
      text: '## Done\n\n### Infra\nmoved db\n### Team\nhired Ana',
      expected: [
        ['2023-W14 > Done > Infra', 'moved db'],
        ['2023-W14 > Done > Team', 'hired Ana'],
      ],
    },
    {
      name: 'setext headings',
      text: 'Work\n====\nintro\n\nDone\n----\nshipped',
      expected: [
        ['2023-W14 > Work', 'intro'],
        ['2023-W14 > Work > Done', 'shipped'],
      ],
    },
    {
      name: 'text before the first heading and no title',
      text: 'loose thought\n\n## Done\nthing',
      expected: [
        ['2023-W14', 'loose thought'],
        ['2023-W14 > Done', 'thing'],
      ],
    },
    {
      name: 'no headings at all',
      text: 'just a line\n\nand a paragraph\nover two lines',
      expected: [['2023-W14', 'just a line\n\nand a paragraph\nover two lines']],
    },
    {
      name: 'a title that only restates the period is left out of paths',
      text: '# Week 14, 2023\n## Done\nshipped',
      expected: [['2023-W14 > Done', 'shipped']],
    },
    {
      name: 'a title naming another period is kept',
      text: '# Week 15, 2023\n## Done\nshipped',
      expected: [['2023-W14 > Week 15, 2023 > Done', 'shipped']],
    },
    {
      name: 'skipped levels and going back up',
      text: '# A\n### C\nc text\n## B\nb text\n# D\nd text',
      expected: [
        ['2023-W14 > A > C', 'c text'],
        ['2023-W14 > A > B', 'b text'],
        ['2023-W14 > D', 'd text'],
      ],
    },
    {
      name: 'an empty heading adds nothing to the path',
      text: '## \n### Sub\nbody',
      expected: [['2023-W14 > Sub', 'body']],
    },
    {
      name: 'markup in headings is reduced to text in the path',
      text: '## **Done** with [search](https://x.y) and [[Infra|infra work]]\n### `cron`\nfixed',
      expected: [['2023-W14 > Done with search and infra work > cron', 'fixed']],
    },
    {
      name: 'a #tag line is text, not a heading',
      text: '## Done\n#infra moved the db',
      expected: [['2023-W14 > Done', '#infra moved the db']],
    },
  ])('$name', ({ text, expected }) => {
    const note = parse(text)
    expect(summary(note)).toEqual(expected)
    expectExactLines(text, note.chunks)
  })

  it.each([
    ['2023-04-03.md', '2023-04-03 > Done'],
    ['2023-04-05-weekly.md', '2023-W14 > Done'],
    ['2020-W53.md', '2020-W53 > Done'],
    ['misc/untitled.md', '2024-07-15 > Done'],
  ])('%s gives the path line "%s"', (relativePath, pathLine) => {
    const note = parse('## Done\nshipped', relativePath)
    expect(note.chunks[0].embedText).toBe(`${pathLine}\n\nshipped`)
  })

  it('embedText is the path line, a blank line and the text; the file name never appears', () => {
    const note = parse('## Done\n### Infra\nmoved db', 'secret-project-name/2023-W14.md')
    const [chunk] = note.chunks
    expect(chunk.embedText).toBe('2023-W14 > Done > Infra\n\nmoved db')
    expect(chunk.embedText).not.toContain('secret')
    expect(chunk.contentHash).toBe(sha256(chunk.embedText))
  })
})

describe('parseNote: code fences', () => {
  it.each([
    ['backticks', '## Scripts\n```sh\n# install\nnpm ci\n## not a heading\n```\nafter'],
    ['tildes', '## Scripts\n~~~\n# install\n~~~\nafter'],
    ['four backticks around three', '## Scripts\n````md\n```\n# inner\n```\n````\nafter'],
  ])('a # line inside a fence (%s) is not a heading', (_name, text) => {
    const note = parse(text)
    expect(note.chunks).toHaveLength(1)
    expect(note.chunks[0].headingPath).toEqual(['2023-W14', 'Scripts'])
    expect(note.chunks[0].text).toBe(text.split('\n').slice(1).join('\n'))
  })

  it('a fence inside a list item hides its # lines too', () => {
    const text = '## Steps\n- run:\n  ```\n  # comment\n  ```\n- done'
    expect(summary(parse(text))).toEqual([['2023-W14 > Steps', text.split('\n').slice(1).join('\n')]])
  })
})

/** Line ranges of the chunks, for checking that blocks were not cut. */
function coveringChunks(note: ParsedNote, first: number, last: number): ChunkDraft[] {
  return note.chunks.filter((chunk) => chunk.startLine <= last && chunk.endLine >= first)
}

describe('parseNote: blocks kept whole, long sections split', () => {
  const words = (count: number, seed: string) => Array.from({ length: count }, (_, index) => `${seed}${index}`).join(' ')

  it.each([0, 8])('keeps a list, a table and a fence whole when each fits the budget (overlap %i)', (overlapTokens) => {
    const list = Array.from({ length: 5 }, (_, index) => `- item ${index} ${words(3, 'li')}`)
    const table = ['| name | state |', '|---|---|', ...Array.from({ length: 4 }, (_, index) => `| row${index} | ok |`)]
    const fence = ['```js', ...Array.from({ length: 4 }, (_, index) => `const v${index} = ${index}`), '```']
    const body = [words(20, 'p'), '', ...list, '', words(20, 'q'), '', ...table, '', ...fence, '', words(20, 'r')]
    const text = ['## Section', ...body].join('\n')
    const maxTokens = 80
    const note = parse(text, '2023-W14.md', { maxTokens, overlapTokens })

    // Each block fits beside the path line, the section as a whole does not.
    for (const block of [list, table, fence]) {
      expect(approximateTokenCount(`2023-W14 > Section\n\n${block.join('\n')}`)).toBeLessThanOrEqual(maxTokens)
    }
    expect(note.chunks.length).toBeGreaterThan(2)
    const lineOf = (line: string) => text.split('\n').indexOf(line) + 1
    for (const block of [list, table, fence]) {
      const first = lineOf(block[0])
      const last = lineOf(block[block.length - 1])
      const holders = note.chunks.filter((chunk) => chunk.startLine <= first && chunk.endLine >= last)
      expect(holders.length, `block at ${first}-${last}`).toBeGreaterThanOrEqual(1)
      // No chunk ends inside the block; only a repeated overlap may start inside it.
      for (const chunk of coveringChunks(note, first, last)) {
        expect(chunk.endLine >= last || chunk.endLine < first).toBe(true)
        if (overlapTokens === 0) expect(chunk.startLine <= first || chunk.startLine > last).toBe(true)
      }
    }
    for (const chunk of note.chunks) expect(approximateTokenCount(chunk.embedText)).toBeLessThanOrEqual(maxTokens)
    expectLinesWithOverlapHeads(text, note.chunks)
  })

  it.each([
    { name: 'paragraphs', maxTokens: 64, overlapTokens: 12, body: (index: number) => `${words(5 + (index % 7), `w${index}x`)}\n` },
    { name: 'list items', maxTokens: 48, overlapTokens: 10, body: (index: number) => `- ${words(3 + (index % 5), `i${index}x`)}` },
    { name: 'lines of one paragraph', maxTokens: 40, overlapTokens: 8, body: (index: number) => words(2 + (index % 4), `l${index}x`) },
    { name: 'no overlap', maxTokens: 40, overlapTokens: 0, body: (index: number) => `- ${words(3, `n${index}x`)}` },
  ])('splits a long section of $name within budget, with overlap, covering every line', ({ maxTokens, overlapTokens, body }) => {
    const content = Array.from({ length: 60 }, (_, index) => body(index))
    const text = `## Long\n${content.join('\n')}`
    const note = parse(text, '2023-W14.md', { maxTokens, overlapTokens })
    const lines = originalLines(text)

    expect(note.chunks.length).toBeGreaterThan(3)
    expectLinesWithOverlapHeads(text, note.chunks)
    for (const chunk of note.chunks) {
      expect(approximateTokenCount(chunk.embedText)).toBeLessThanOrEqual(maxTokens)
      expect(chunk.headingPath).toEqual(['2023-W14', 'Long'])
    }
    for (let index = 1; index < note.chunks.length; index++) {
      const previous = note.chunks[index - 1]
      const current = note.chunks[index]
      expect(current.endLine).toBeGreaterThan(previous.endLine)
      if (overlapTokens === 0) {
        expect(current.startLine).toBeGreaterThan(previous.endLine)
        continue
      }
      expect(current.startLine).toBeLessThanOrEqual(previous.endLine)
      const repeated = current.text.split('\n').slice(0, previous.endLine - current.startLine + 1).join('\n')
      expect(previous.text.endsWith(repeated)).toBe(true)
      expect(approximateTokenCount(repeated)).toBeGreaterThan(0)
      expect(approximateTokenCount(repeated)).toBeLessThanOrEqual(overlapTokens)
    }
    // Every non-blank content line is in some chunk.
    for (let line = 2; line <= lines.length; line++) {
      if (lines[line - 1].trim() === '') continue
      expect(note.chunks.some((chunk) => chunk.startLine <= line && line <= chunk.endLine), `line ${line}`).toBe(true)
    }
  })

  it('a fence larger than the budget is split by lines, each piece within budget', () => {
    const code = Array.from({ length: 80 }, (_, index) => `echo step-${index} && run task ${index}`)
    const text = ['## Script', '```sh', ...code, '```'].join('\n')
    const note = parse(text, '2023-W14.md', { maxTokens: 60, overlapTokens: 10 })
    expect(note.chunks.length).toBeGreaterThan(3)
    expectLinesWithOverlapHeads(text, note.chunks)
    for (const chunk of note.chunks) expect(approximateTokenCount(chunk.embedText)).toBeLessThanOrEqual(60)
    expect(note.chunks[0].startLine).toBe(2)
    expect(note.chunks[note.chunks.length - 1].endLine).toBe(text.split('\n').length)
  })

  it('a single line larger than the budget is cut at spaces, then inside a long word', () => {
    const long = `${words(200, 'token')} ${'x'.repeat(600)} tail`
    const text = `## One line\n${long}`
    const note = parse(text, '2023-W14.md', { maxTokens: 50, overlapTokens: 10 })
    expect(note.chunks.length).toBeGreaterThan(5)
    for (const chunk of note.chunks) {
      expect(chunk.startLine).toBe(2)
      expect(chunk.endLine).toBe(2)
      expect(long).toContain(chunk.text)
      expect(approximateTokenCount(chunk.embedText)).toBeLessThanOrEqual(50)
    }
    expect(note.chunks.map((chunk) => chunk.text).join('').replace(/\s+/g, '')).toBe(long.replace(/\s+/g, ''))
  })

  it('keeps every chunk within budget when measured by a real WordPiece tokenizer', () => {
    const tokenizer = new BertTokenizer(buildTinyTokenizerJson(buildTinyVocabulary()), { do_lower_case: true })
    const countTokens = (value: string) => tokenizer.encode(value, { add_special_tokens: false }).length
    const content = Array.from(
      { length: 40 },
      (_, index) => `- Met the team about release ${index}; zyxwv qrstu deployment #${index * 7919} (see PR-${index})`,
    )
    const text = `# Week 14, 2023\n## Very long heading about the quarterly infrastructure review\n${content.join('\n')}`
    const maxTokens = 64
    const note = parse(text, '2023-W14.md', { countTokens, maxTokens, overlapTokens: 12 })
    expect(note.chunks.length).toBeGreaterThan(3)
    for (const chunk of note.chunks) expect(countTokens(chunk.embedText)).toBeLessThanOrEqual(maxTokens)
    expectLinesWithOverlapHeads(text, note.chunks)
  })
})

describe('parseNote: boilerplate', () => {
  it.each([
    ['none'],
    ['None.'],
    ['- none'],
    ['N/A'],
    ['n/a'],
    ['-'],
    ['TBD'],
    ['nothing'],
    ['Nothing to report.'],
    ['Blockers: none'],
    ['**Blockers:** n/a'],
    ['- [ ]'],
    ['- [ ] \n- [ ]'],
    ['<!-- write your blockers here -->'],
    ['<!--\n# template hint\nfill in\n-->'],
    ['...'],
    ['…'],
    ['Notes:\nBlockers: n/a\n- [ ]'],
    ['> none'],
    ['---'],
  ])('a section whose body is %j has no chunk', (body) => {
    const text = `## Blockers\n${body}\n## Done\nshipped the release`
    expect(summary(parse(text))).toEqual([['2023-W14 > Done', 'shipped the release']])
  })

  it.each([
    ['- [x] shipped search'],
    ['None of the fixes worked'],
    ['No'],
    ['TODO: call the bank'],
    ['Blockers: waiting on legal'],
    ['- [ ] call the dentist'],
  ])('a section with real content %j is kept', (body) => {
    const text = `## Section\n${body}`
    const note = parse(text)
    expect(note.chunks).toHaveLength(1)
    expect(note.chunks[0].text).toBe(body)
  })

  it('a comment before real content is blanked out, the content kept on its own line', () => {
    const note = parse('## Section\n<!-- hint -->\nreal text after the hint')
    expect(note.chunks).toHaveLength(1)
    expect(note.chunks[0]).toMatchObject({ text: 'real text after the hint', startLine: 3, endLine: 3 })
  })

  it.each([
    ['an empty file', ''],
    ['only blank lines', '\n\n  \n'],
    ['only front matter', '---\ntitle: x\n---\n'],
    ['only headings', '# A\n## B\n### C'],
    ['only a template', '## Done\n- \n## Blockers\nnone\n## Notes\n<!-- -->'],
  ])('%s gives zero chunks', (_name, text) => {
    expect(parse(text).chunks).toEqual([])
  })
})

describe('parseNote: front matter, line numbers, encodings', () => {
  const note = [
    '---',
    'week: 2023-W14',
    'title: Weekly log',
    '---',
    '',
    '# Week 14',
    '',
    '## Done',
    '- moved the db',
    '- hired Ana',
    '',
    '## Learned',
    'Chunking is fun.',
  ].join('\n')

  it('parses front matter, keeps it out of every chunk and counts its lines', () => {
    const parsed = parse(note, 'renamed.md')
    expect(parsed.frontMatter).toEqual({ week: '2023-W14', title: 'Weekly log' })
    expect(parsed.frontMatterError).toBeNull()
    expect(parsed.period).toEqual({ start: '2023-04-03', end: '2023-04-09', source: 'front-matter:week', inferred: false })
    expect(parsed.label).toBe('2023-W14')
    expect(parsed.chunks.map((chunk) => [chunk.startLine, chunk.endLine])).toEqual([
      [9, 10],
      [13, 13],
    ])
    for (const chunk of parsed.chunks) expect(chunk.embedText).not.toMatch(/week: |title: /)
    expectExactLines(note, parsed.chunks)
  })

  it('invalid front matter is reported, its lines skipped, the body still chunked', () => {
    const text = '---\ntitle: [broken\n---\n## Done\nshipped'
    const parsed = parse(text, '2023-04-03.md')
    expect(parsed.frontMatter).toBeNull()
    expect(parsed.frontMatterError).toMatch(/front matter/i)
    expect(summary(parsed)).toEqual([['2023-04-03 > Done', 'shipped']])
    expect(parsed.chunks[0].startLine).toBe(5)
  })

  it.each([
    ['CRLF', note.replace(/\n/g, '\r\n')],
    ['BOM', `\uFEFF${note}`],
    ['BOM and CRLF', `\uFEFF${note.replace(/\n/g, '\r\n')}`],
  ])('%s text gives the same chunks as LF text', (_name, variant) => {
    const plain = parse(note, 'a.md')
    const parsed = parse(variant, 'a.md')
    expect(parsed.frontMatter).toEqual(plain.frontMatter)
    expect(parsed.chunks).toEqual(plain.chunks)
    expectExactLines(variant, parsed.chunks)
    for (const chunk of parsed.chunks) expect(chunk.text).not.toContain('\r')
  })

  it('ids are stable across runs and 32 hex characters', () => {
    const first = parse(note, 'logs/2023-W14.md')
    const second = parse(note, 'logs/2023-W14.md')
    expect(second.chunks).toEqual(first.chunks)
    for (const chunk of first.chunks) {
      expect(chunk.id).toMatch(/^[0-9a-f]{32}$/)
      expect(chunk.contentHash).toBe(sha256(chunk.embedText))
    }
    expect(new Set(first.chunks.map((chunk) => chunk.id)).size).toBe(first.chunks.length)
    expect(first.chunks.map((chunk) => chunk.ordinal)).toEqual(first.chunks.map((_, index) => index))
  })

  it('a renamed file with the same text and period keeps embedText and contentHash, with new ids', () => {
    const body = '## Done\nshipped\n## Next\nplan'
    const before = parse(body, '2023-W14.md')
    const after = parse(body, 'archive/2023/W14.md')
    expect(after.label).toBe(before.label)
    expect(after.chunks.map((chunk) => [chunk.embedText, chunk.contentHash])).toEqual(
      before.chunks.map((chunk) => [chunk.embedText, chunk.contentHash]),
    )
    after.chunks.forEach((chunk, index) => expect(chunk.id).not.toBe(before.chunks[index].id))
  })

  it('an edit above a chunk changes its line numbers but not its contentHash', () => {
    const before = parse('## Done\nshipped\n## Next\nplan')
    const after = parse('## Done\nshipped\nand more\n## Next\nplan')
    expect(after.chunks[1].contentHash).toBe(before.chunks[1].contentHash)
    expect(after.chunks[1].startLine).toBe(before.chunks[1].startLine + 1)
  })
})

describe('parseNote: options and size', () => {
  it.each([
    [{ maxTokens: 4 }],
    [{ maxTokens: 100.5 }],
    [{ overlapTokens: -1 }],
  ])('rejects %o', (options) => {
    expect(() => parse('text', 'a.md', options)).toThrowError(BrainError)
  })

  it('chunks a 5 MB note, every chunk within budget and in order', () => {
    const week = [
      '## Done',
      '- Shipped the search release with hybrid ranking and time filters',
      '- Fixed the flaky watcher test on slow disks',
      '',
      '```ts',
      '# not a heading',
      'const answer = await engine.ask(question, { signal })',
      '```',
      '',
      '| metric | value |',
      '|---|---|',
      '| p95 | 120 ms |',
      '',
      'A paragraph of notes about the week, long enough to look like real writing, with some numbers 42 and 2023.',
      '## Blockers',
      'none',
      '',
    ].join('\n')
    const text = `# Big log\n${week.repeat(Math.ceil(5_000_000 / week.length))}`
    expect(text.length).toBeGreaterThanOrEqual(5_000_000)
    const parsed = parse(text, 'big.md')
    expect(parsed.chunks.length).toBeGreaterThan(10_000)
    let previousEnd = 0
    for (const chunk of parsed.chunks) {
      expect(chunk.startLine).toBeGreaterThan(previousEnd)
      expect(chunk.text.length).toBeLessThanOrEqual(320 * 3)
      previousEnd = chunk.endLine
    }
    expect(parsed.chunks.every((chunk) => !chunk.headingPath.includes('Blockers'))).toBe(true)
  })
})
