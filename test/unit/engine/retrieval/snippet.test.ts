import { describe, expect, it } from 'vitest'
import { SNIPPET_MARK_END as E, SNIPPET_MARK_START as S, splitSnippet } from '../../../../shared/search'
import { buildSnippet, withoutHeadingLine } from '../../../../electron/engine/retrieval/snippet'

describe('buildSnippet', () => {
  it('marks whole-word matches case-insensitively', () => {
    expect(buildSnippet('Moved Postgres to v16; postgresql docs helped.', ['postgres'])).toBe(`Moved ${S}Postgres${E} to v16; postgresql docs helped.`)
  })

  it('centres on the first match in a long text and marks the ends as cut', () => {
    const text = `${'filler words here '.repeat(40)}the Kubernetes trial went well ${'more text '.repeat(40)}`
    const snippet = buildSnippet(text, ['kubernetes'], 120)
    expect(snippet.startsWith('…')).toBe(true)
    expect(snippet.endsWith('…')).toBe(true)
    expect(snippet).toContain(`${S}Kubernetes${E}`)
    expect(snippet.length).toBeLessThanOrEqual(124)
  })

  it('returns the start of the text when nothing matches, and is safe with regex characters', () => {
    expect(buildSnippet('plain text', ['c++', '(', 'a.b'])).toBe('plain text')
    expect(buildSnippet('I use c++ daily', ['c++'])).toBe(`I use ${S}c++${E} daily`)
  })

  it('strips mark characters already in the note so runs stay balanced', () => {
    const parts = splitSnippet(buildSnippet(`odd ${S} char and redis`, ['redis']))
    expect(parts.filter((part) => part.marked).map((part) => part.text)).toEqual(['redis'])
  })
})

describe('withoutHeadingLine', () => {
  const path = ['2024-W02', 'Garden']
  it.each([
    ['2024-W02 > Garden\n\n- Planted ⟦tomatoes⟧', '- Planted ⟦tomatoes⟧'],
    ['2024-W02 > ⟦Garden⟧\n\n- Planted tomatoes', '- Planted tomatoes'],
    ['...W02 > Garden\n\n- Planted ⟦tomatoes⟧', '- Planted ⟦tomatoes⟧'],
    ['- Planted ⟦tomatoes⟧\n\nand basil', '- Planted ⟦tomatoes⟧\n\nand basil'],
    ['2024-W02 > Garden\n\n', '2024-W02 > Garden\n\n'],
    ['no blank line at all', 'no blank line at all'],
  ])('%j -> %j', (input, expected) => {
    expect(withoutHeadingLine(input, path)).toBe(expected)
  })
})
