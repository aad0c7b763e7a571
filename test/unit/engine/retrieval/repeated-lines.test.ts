import { describe, expect, it } from 'vitest'
import { withoutRepeatedLines } from '../../../../electron/engine/retrieval/repeated-lines'

const hit = (path: string, startLine: number, endLine: number, text?: string) => ({
  path, startLine, endLine, text: text ?? Array.from({ length: endLine - startLine + 1 }, (_, index) => `line ${startLine + index}`).join('\n'),
})
const spans = (hits: Array<{ path: string; startLine: number; endLine: number }>) => hits.map((h) => `${h.path}:${h.startLine}-${h.endLine}`)

describe('withoutRepeatedLines', () => {
  it.each([
    ['keeps disjoint hits', [hit('a', 1, 5), hit('a', 6, 9), hit('b', 1, 5)], ['a:1-5', 'a:6-9', 'b:1-5']],
    ['trims a later overlap at its start', [hit('a', 1, 7), hit('a', 6, 9)], ['a:1-7', 'a:8-9']],
    ['trims a later overlap at its end', [hit('a', 6, 9), hit('a', 1, 7)], ['a:6-9', 'a:1-5']],
    ['drops a hit that is wholly covered', [hit('a', 1, 9), hit('a', 3, 5)], ['a:1-9']],
    ['drops an exact repeat', [hit('a', 1, 4), hit('a', 1, 4)], ['a:1-4']],
    ['keeps the larger free block of a hit around an earlier one', [hit('a', 4, 5), hit('a', 1, 10)], ['a:4-5', 'a:6-10']],
    ['covers against every earlier hit', [hit('a', 1, 3), hit('a', 7, 9), hit('a', 2, 8)], ['a:1-3', 'a:7-9', 'a:4-6']],
    ['drops an overlap whose text is not line for line', [hit('a', 1, 5), hit('a', 4, 8, 'one long line that does not map')], ['a:1-5']],
  ])('%s', (_name, hits, expected) => {
    const kept = withoutRepeatedLines(hits)
    expect(spans(kept)).toEqual(expected)
    for (const item of kept) expect(item.text.split('\n')).toHaveLength(item.endLine - item.startLine + 1)
  })

  it('cuts the text to the lines it keeps and lets the caller rebuild derived fields', () => {
    const [, trimmed] = withoutRepeatedLines([hit('a', 1, 7), { ...hit('a', 6, 9), snippet: 'old' }], (_hit, text) => ({ snippet: `new: ${text}` }))
    expect(trimmed.text).toBe('line 8\nline 9')
    expect((trimmed as { snippet?: string }).snippet).toBe('new: line 8\nline 9')
  })
})
