import { describe, expect, it } from 'vitest'
import type { SearchHit } from '../../../../shared/search'
import { sameResultRow, type ResultRowProps } from '../../../../renderer/components/result-row'

const hit: SearchHit = {
  chunkId: 'a1',
  path: '2024/2024-W02.md',
  headingPath: ['Week 2, 2024', 'Garden'],
  startLine: 6,
  endLine: 8,
  periodStart: '2024-01-08',
  periodEnd: '2024-01-14',
  score: 0.03,
  snippet: 'Planted \u27e6tomatoes\u27e7 and basil',
  text: 'Planted tomatoes and basil',
  retrievers: ['keyword', 'vector'],
}
const onHover = () => undefined
const onOpen = () => undefined
const row: ResultRowProps = { hit, index: 0, idPrefix: 'quick-hit', selected: true, onHover, onOpen }

describe('sameResultRow', () => {
  it('skips a row whose passage comes back as a fresh but equal object, even with another score or retrievers', () => {
    expect(sameResultRow(row, { ...row, hit: { ...hit, headingPath: [...hit.headingPath], score: 0.5, retrievers: ['keyword'] } })).toBe(true)
  })

  it.each<[string, Partial<ResultRowProps>]>([
    ['another snippet (the marks follow the query)', { hit: { ...hit, snippet: 'Planted tomatoes and \u27e6basil\u27e7' } }],
    ['another passage', { hit: { ...hit, chunkId: 'a2' } }],
    ['another heading', { hit: { ...hit, headingPath: ['Week 2, 2024', 'Garden', 'Beds'] } }],
    ['a heading split differently', { hit: { ...hit, headingPath: ['Week 2, 2024 Garden'] } }],
    ['another line', { hit: { ...hit, startLine: 7 } }],
    ['another period', { hit: { ...hit, periodEnd: '2024-01-15' } }],
    ['another position', { index: 1 }],
    ['selection moved away', { selected: false }],
    ['another open handler', { onOpen: () => undefined }],
  ])('renders again for %s', (_label, change) => {
    expect(sameResultRow(row, { ...row, ...change })).toBe(false)
  })
})
