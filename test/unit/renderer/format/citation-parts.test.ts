import { describe, expect, it } from 'vitest'
import { splitCitations } from '../../../../renderer/format/citation-parts'

describe('splitCitations', () => {
  const known = new Set([1, 2, 3])
  it.each([
    ['plain text', [{ type: 'text', text: 'plain text' }]],
    ['Kafka moved [1].', [{ type: 'text', text: 'Kafka moved ' }, { type: 'citation', n: 1 }, { type: 'text', text: '.' }]],
    ['[2]', [{ type: 'citation', n: 2 }]],
    ['see [1, 3] and [2][3]', [
      { type: 'text', text: 'see ' }, { type: 'citation', n: 1 }, { type: 'citation', n: 3 },
      { type: 'text', text: ' and ' }, { type: 'citation', n: 2 }, { type: 'citation', n: 3 },
    ]],
    ['in [2024] and [7]', [{ type: 'text', text: 'in [2024] and [7]' }]],
    ['mixed [1,9] stays', [{ type: 'text', text: 'mixed [1,9] stays' }]],
    ['', []],
  ])('%j', (text, expected) => {
    expect(splitCitations(text, known)).toEqual(expected)
  })
})
