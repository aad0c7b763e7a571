import { describe, expect, it } from 'vitest'
import { checkGatewayUrl } from '../../../../renderer/format/gateway-url-check'
import { queryTerms } from '../../../../renderer/format/highlight'
import { decodeEntities, inlineText, parseInline, parseMarkdown, safeHref } from '../../../../renderer/format/markdown'
import { adjacentByWeek, dateOrderOf, groupByWeek, headingTrail, noteTitle, sourceNotes } from '../../../../renderer/format/passage-groups'
import { plainAnswerError, plainModelFailure } from '../../../../renderer/format/plain-error'

const passage = (over: Partial<{ path: string; headingPath: string[]; startLine: number; periodStart: string; periodEnd: string; title: string | null; n: number }>) => ({
  path: 'weeknotes-076.markdown',
  headingPath: [],
  startLine: 1,
  endLine: 5,
  periodStart: '2020-03-01',
  periodEnd: '2020-03-07',
  title: null,
  n: 1,
  ...over,
})

describe('passage titles and groups', () => {
  it('titles a passage by the note, never by a template placeholder, and drops the title from its heading trail', () => {
    expect(noteTitle(passage({ title: 'Week Notes 07' }))).toBe('Week Notes 07')
    expect(noteTitle(passage({ title: '{{ title }}' }))).toBe('weeknotes-076')
    expect(headingTrail(passage({ title: 'Week 76', headingPath: ['Week 76', '{{ title }}', 'Things this week'] }))).toEqual(['Things this week'])
    // The engine puts its machine label of the period first; the week is shown above the rows in people's form.
    expect(headingTrail(passage({ title: 'Week Notes 15', headingPath: ['2024-W29', 'Softball &#129358;'] }))).toEqual(['Softball 🥎'])
    expect(headingTrail(passage({ headingPath: ['2025-05-28..2025-06-01', 'Things this week'] }))).toEqual(['Things this week'])
    expect(headingTrail(passage({ headingPath: ['2024-07', 'July'] }))).toEqual(['July'])
    expect(headingTrail(passage({ headingPath: ['Done', 'Infra'] }))).toEqual(['Done', 'Infra'])
  })

  it.each([
    ['when did I first mention Elasticsearch?', 'oldest-first'],
    ['what was the latest on the migration?', 'newest-first'],
    ['what did I do last week?', null],
    ['softball', null],
  ] as const)('%s -> %s', (question, order) => {
    expect(dateOrderOf(question)).toBe(order)
  })

  it('shows each week once, by date when asked, and lists each note once in the sources', () => {
    const items = [
      passage({ n: 1, periodStart: '2020-03-08', periodEnd: '2020-03-14', path: 'b.md' }),
      passage({ n: 2, periodStart: '2020-03-01', periodEnd: '2020-03-07', path: 'a.md' }),
      passage({ n: 3, periodStart: '2020-03-08', periodEnd: '2020-03-14', path: 'b.md', startLine: 9 }),
    ]
    const byRelevance = groupByWeek(items, null)
    expect(byRelevance.map((group) => [group.label, group.items.map((item) => item.n)])).toEqual([
      ['8–14 Mar 2020', [1, 3]],
      ['1–7 Mar 2020', [2]],
    ])
    expect(groupByWeek(items, 'oldest-first').map((group) => group.start)).toEqual(['2020-03-01', '2020-03-08'])
    expect(adjacentByWeek([items[0], items[1], items[2]]).map((item) => item.n)).toEqual([1, 3, 2])
    expect(sourceNotes(items).map((note) => [note.path, note.items.map((item) => item.n)])).toEqual([
      ['b.md', [1, 3]],
      ['a.md', [2]],
    ])
  })
})

describe('markdown of passages', () => {
  it('renders links (inline, reference, bare), emphasis and code; drops tags and decodes entities', () => {
    const [paragraph] = parseMarkdown('Fixed ([PR #308][]) and **shipped** `v2` <em>today</em> &#129358; https://example.org\n\n[PR #308]: https://github.com/x/y/pull/308')
    expect(paragraph.type).toBe('paragraph')
    const children = (paragraph as { children: ReturnType<typeof parseInline> }).children
    expect(children.filter((part) => part.type === 'link').map((part) => (part as { href: string }).href)).toEqual(['https://github.com/x/y/pull/308', 'https://example.org'])
    expect(children.some((part) => part.type === 'strong')).toBe(true)
    expect(children.some((part) => part.type === 'code')).toBe(true)
    expect(inlineText(children)).not.toMatch(/<em>|&#|\]\(/)
    expect(inlineText(children)).toContain('🥎')
  })

  it('reads a passage cut inside a wrapped link as that link, not as raw syntax', () => {
    const [paragraph] = parseMarkdown('Energy](https://lwgrs.bearblog.dev/office-energy/)\n- more')
    const parts = (paragraph as { children: ReturnType<typeof parseInline> }).children
    expect(parts[0]).toMatchObject({ type: 'link', href: 'https://lwgrs.bearblog.dev/office-energy/' })
    expect(inlineText(parts)).toBe('Energy')
    expect(inlineText((parseMarkdown('see (a) and b](x)')[0] as { children: ReturnType<typeof parseInline> }).children)).toBe('see (a) and b](x)')
  })

  it('keeps lists as lists and never makes an unsafe link', () => {
    const blocks = parseMarkdown('- one\n- two\n  - nested\n')
    expect(blocks[0]).toMatchObject({ type: 'list', ordered: false })
    expect((blocks[0] as { items: unknown[] }).items).toHaveLength(2)
    expect(safeHref('javascript:alert(1)')).toBeNull()
    expect(safeHref('file:///etc/passwd')).toBeNull()
    expect(parseInline('[x](javascript:alert(1))').some((part) => part.type === 'link')).toBe(false)
    expect(decodeEntities('&amp; &unknown; &#0;')).toBe('& &unknown; &#0;')
  })

  it('highlights the asked words, not question words, months or numbers', () => {
    expect(queryTerms('When did I first mention Elasticsearch in March 2020?')).toEqual(['elasticsearch'])
    expect(queryTerms('kafka consumer lag')).toEqual(['kafka', 'consumer', 'lag'])
  })
})

describe('plain words for failures and the gateway URL', () => {
  it('says an offline model download in plain words with the next step, never the raw fetch error', () => {
    const failure = plainModelFailure('chat', 'Failed to fetch manifest for resolving URI "hf:bartowski/x": TypeError: fetch failed')
    expect(failure.text).toMatch(/seems to be offline/)
    expect(failure.next).toBe('Keyword search and passage answers work now; download later, or use your gateway.')
    expect(`${failure.text} ${failure.next}`).not.toMatch(/fetch failed|TypeError|hf:/)
    expect(plainModelFailure('embedding', 'ENOSPC: no space left on device').text).toMatch(/disk is full/)
  })

  it('has no doubled parentheses in an answer error', () => {
    expect(plainAnswerError({ code: 'gateway-server-error', message: 'The gateway failed ((HTTP 500))', retryable: true })).toBe('The gateway failed (HTTP 500)')
  })

  it.each([
    ['', 'empty'],
    ['https://llm.homelab.lan/v1', 'ok'],
    ['http://127.0.0.1:8080/v1', 'ok'],
    ['http://192.168.1.20/v1', 'insecure'],
    ['ftp://x', 'invalid'],
    ['not a url', 'invalid'],
  ] as const)('%s -> %s', (value, type) => {
    expect(checkGatewayUrl(value).type).toBe(type)
  })
})
