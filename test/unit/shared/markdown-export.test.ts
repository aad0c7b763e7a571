import { describe, expect, it } from 'vitest'
import type { AnswerEnd, AnswerMeta, Citation } from '../../../shared/answer'
import type { Conversation } from '../../../shared/conversation'
import { answerToMarkdown, conversationToMarkdown, exportFileName } from '../../../shared/markdown-export'

const meta: AnswerMeta = {
  backend: 'gateway',
  model: 'large',
  strategy: 'direct',
  standaloneQuery: 'what did I ship in March 2023',
  period: { start: '2023-03-01', end: '2023-03-31', label: 'March 2023' },
  timeToFirstTokenMs: 40,
  totalMs: 900,
  tokensIn: 1200,
  tokensOut: 80,
  cost: null,
  fallbackReason: null,
  aborted: false,
}

function citation(n: number, overrides: Partial<Citation> = {}): Citation {
  return {
    n,
    chunkId: `c${n}`,
    path: `2023/2023-W1${n}.md`,
    headingPath: [`2023-W1${n}`, 'Done'],
    startLine: 3,
    endLine: 5,
    periodStart: '2023-03-13',
    periodEnd: '2023-03-19',
    text: '## Done\n\n- Shipped search ranking v2',
    ...overrides,
  }
}

function answer(overrides: Partial<AnswerEnd> = {}): AnswerEnd {
  return { answerId: 'a1', text: 'You shipped search ranking v2 [1] and the billing migration [2].', citations: [citation(1), citation(2, { startLine: 7, endLine: 7, periodStart: '2023-03-20', periodEnd: '2023-03-20', text: 'line one\nline two' })], sources: [citation(1), citation(2), citation(3)], meta, error: null, ...overrides }
}

const exportedAt = '2026-12-02T10:00:00.000Z'

describe('answerToMarkdown', () => {
  it('writes the question, the answer with its [n] markers, and every cited source with lines and week', () => {
    expect(answerToMarkdown('What did I ship in March 2023?', answer(), { exportedAt })).toBe(
      [
        '# What did I ship in March 2023?',
        '',
        '_Exported from notes-rag on 2026-12-02 · March 2023 (2023-03-01 to 2023-03-31)_',
        '',
        '## Answer',
        '',
        'You shipped search ranking v2 [1] and the billing migration [2].',
        '',
        '## Sources',
        '',
        '[1] `2023/2023-W11.md`, lines 3–5 (2023-03-13 to 2023-03-19) — 2023-W11 › Done',
        '',
        '> ## Done',
        '>',
        '> - Shipped search ranking v2',
        '',
        '[2] `2023/2023-W12.md`, line 7 (2023-03-20) — 2023-W12 › Done',
        '',
        '> line one',
        '> line two',
        '',
        '<sub>Answered by gateway model large · period March 2023 (2023-03-01 to 2023-03-31)</sub>',
        '',
      ].join('\n'),
    )
  })

  it('labels a retrieval-only answer and lists its passages when nothing was cited', () => {
    const text = 'No model could answer (no local model is set up). These are the passages:\n\n[1] 2023-W11 (2023-03-13 to 2023-03-19), 2023/2023-W11.md:3-5\n- Shipped search ranking v2'
    const markdown = answerToMarkdown('kubernetes', answer({ text, citations: [], meta: { ...meta, backend: 'retrieval-only', model: null, period: null }, error: { code: 'no-backend', message: 'No model could answer.', retryable: false } }), { exportedAt, quoteLines: 0 })
    expect(markdown).toMatch(/^> \*\*Retrieval only:\*\* no model answered/m)
    expect(markdown).toMatch(/^## Passages$/m)
    expect(markdown.match(/^\[\d\] /gm)).toEqual(['[1] ', '[2] ', '[3] '])
    expect(markdown).not.toMatch(/\*\*Error:\*\*/)
    expect(markdown).not.toMatch(/^> ## Done/m)
    // The explanation is kept; the passages it repeats as plain text are not, they are listed with their sources.
    expect(markdown).toContain('No model could answer (no local model is set up). These are the passages:\n\n## Passages')
    expect(markdown).not.toContain('2023/2023-W11.md:3-5')
  })

  it('keeps a failed or stopped answer honest, and long passages and multi-line questions in shape', () => {
    const long = citation(1, { text: Array.from({ length: 10 }, (_, i) => `line ${i}`).join('\n') })
    const markdown = answerToMarkdown('two\nlines', answer({ citations: [long], meta: { ...meta, aborted: true }, error: { code: 'gateway-stream-broken', message: 'The stream\nbroke.', retryable: true } }), { exportedAt })
    expect(markdown.startsWith('# two lines\n')).toBe(true)
    expect(markdown).toContain('> **Error:** The stream broke.')
    expect(markdown).toContain('_The answer was stopped before it finished._')
    expect(markdown).toContain('> line 5\n> …')
    expect(markdown).not.toContain('line 6')
  })
})

describe('conversationToMarkdown', () => {
  it('numbers each question and gives each answer its own sources', () => {
    const conversation: Conversation = {
      id: 'c',
      title: 'March review',
      createdAt: '2023-04-01T09:00:00.000Z',
      updatedAt: '2023-04-01T09:05:00.000Z',
      messages: [
        { id: 'm1', role: 'user', content: 'What did I ship in March 2023?', createdAt: '', answer: null },
        { id: 'm2', role: 'assistant', content: 'Search ranking v2 [1].', createdAt: '', answer: { answerId: 'a', citations: [citation(1)], sources: [citation(1)], meta, error: null } },
        { id: 'm3', role: 'user', content: 'and who helped?', createdAt: '', answer: null },
        { id: 'm4', role: 'assistant', content: 'Dana [2].', createdAt: '', answer: { answerId: 'b', citations: [citation(2)], sources: [citation(2)], meta: { ...meta, period: null }, error: null } },
      ],
    }
    const markdown = conversationToMarkdown(conversation, { exportedAt })
    expect(markdown.split('\n').filter((line) => line.startsWith('#'))).toEqual(['# March review', '## 1. What did I ship in March 2023?', '### Sources', '## 2. and who helped?', '### Sources'])
    expect(markdown).toContain('conversation started 2023-04-01')
    expect(markdown.indexOf('[1] `2023/2023-W11.md`')).toBeLessThan(markdown.indexOf('## 2. and who helped?'))
    expect(markdown.indexOf('[2] `2023/2023-W12.md`')).toBeGreaterThan(markdown.indexOf('Dana [2].'))
    expect(conversationToMarkdown({ ...conversation, messages: [] }, { exportedAt })).toContain('_No messages yet._')
  })
})

describe('exportFileName', () => {
  it.each([
    ['What did I ship in March 2023?', 'notes-rag-what-did-i-ship-in-march-2023.md'],
    ['Café déjà vu', 'notes-rag-cafe-deja-vu.md'],
    ['???', 'notes-rag-export.md'],
    ['a'.repeat(80), `notes-rag-${'a'.repeat(60)}.md`],
  ])('%s -> %s', (title, expected) => {
    expect(exportFileName(title)).toBe(expected)
  })
})
