import { describe, expect, it } from 'vitest'
import type { Citation } from '../../../../../shared/answer'
import { citationsIn, parseCitationNumbers } from '../../../../../electron/engine/llm/answer/citations'

describe('parseCitationNumbers', () => {
  it.each([
    ['no citations here', []],
    ['one [1].', [1]],
    ['a list [2, 3] and again [3]', [2, 3]],
    ['adjacent [4][1]', [4, 1]],
    ['spaces [ 5 ,6 ]', []],
    ['compact [5,6]', [5, 6]],
    ['a range [2-4]', [2, 3, 4]],
    ['a year range is not a citation [2020-2023]', []],
    ['markdown link [text](url) and [12]', [12]],
    ['mixed [1, 3-4][7]', [1, 3, 4, 7]],
  ])('%s', (text, expected) => {
    expect(parseCitationNumbers(text)).toEqual(expected)
  })
})

describe('citationsIn', () => {
  const source = (n: number): Citation => ({
    n,
    chunkId: `c${n}`,
    path: `logs/2023-W${10 + n}.md`,
    headingPath: [`2023-W${10 + n}`],
    startLine: n,
    endLine: n + 3,
    periodStart: '2023-03-06',
    periodEnd: '2023-03-12',
    text: `passage ${n}`,
  })
  const sources = [source(1), source(2), source(3)]

  it('maps cited numbers to their sources in order of first citation', () => {
    const cited = citationsIn('Backups ran [3] after the migration [1][3].', sources)
    expect(cited.map((citation) => citation.chunkId)).toEqual(['c3', 'c1'])
    expect(cited[0].path).toBe('logs/2023-W13.md')
  })

  it('ignores numbers that name no passage', () => {
    expect(citationsIn('See [9] and [2].', sources).map((citation) => citation.n)).toEqual([2])
  })
})
