import { describe, expect, it } from 'vitest'
import { directMessages, type Passage } from '../../../../../electron/engine/llm/answer/grounded-prompt'
import { countMessages, packPassages } from '../../../../../electron/engine/llm/answer/pack-passages'
import type { SearchHit } from '../../../../../shared/search'

// A whitespace tokenizer: exact and easy to reason about, unlike the estimate.
const countWords = async (text: string) => text.split(/\s+/).filter(Boolean).length

function passage(n: number, words: number): Passage {
  const text = Array.from({ length: words }, (_, index) => `w${n}x${index}`).join(' ')
  const hit: SearchHit = {
    chunkId: `c${n}`,
    path: `logs/2023-W${String(n).padStart(2, '0')}.md`,
    headingPath: [`2023-W${String(n).padStart(2, '0')}`],
    startLine: 1,
    endLine: 5,
    periodStart: '2023-01-02',
    periodEnd: '2023-01-08',
    score: 1,
    snippet: '',
    text,
    retrievers: ['keyword'],
  }
  return { n, hit, text, truncated: false }
}

const build = (list: Passage[]) => directMessages('2023-06-01', 'What happened?', list)

describe('packPassages', () => {
  it('gives every passage when they fit', async () => {
    const packed = await packPassages({ countTokens: countWords, contextTokens: 2000, answerTokens: 100, passages: [1, 2, 3].map((n) => passage(n, 50)), build })
    expect(packed.passages.map((item) => item.n)).toEqual([1, 2, 3])
    expect(packed).toMatchObject({ dropped: 0, truncated: 0 })
    expect(packed.promptTokens).toBe(await countMessages(packed.messages, countWords))
  })

  it.each([300, 400, 500, 700, 1000])('never exceeds context - answer (context %i)', async (contextTokens) => {
    const passages = [1, 2, 3, 4, 5, 6].map((n) => passage(n, 80))
    const packed = await packPassages({ countTokens: countWords, contextTokens, answerTokens: 100, passages, build })
    expect(packed.promptTokens + 100).toBeLessThanOrEqual(contextTokens)
    expect(await countMessages(packed.messages, countWords)).toBe(packed.promptTokens)
    // Whole passages first, in order; at most the last one is cut.
    packed.passages.forEach((item, index) => {
      expect(item.n).toBe(index + 1)
      expect(item.truncated).toBe(index === packed.passages.length - 1 && packed.truncated === 1)
    })
    expect(packed.dropped + packed.passages.length).toBe(6)
  })

  it('truncates the first passage when even it does not fit whole', async () => {
    const packed = await packPassages({ countTokens: countWords, contextTokens: 400, answerTokens: 100, passages: [passage(1, 1000)], build })
    expect(packed.passages).toHaveLength(1)
    expect(packed.passages[0].truncated).toBe(true)
    expect(packed.passages[0].text.length).toBeLessThan(passage(1, 1000).text.length)
    expect(packed.messages[1].content).toContain('[...]')
    expect(packed.promptTokens + 100).toBeLessThanOrEqual(400)
  })

  it('gives nothing when the fixed prompt leaves no room', async () => {
    const packed = await packPassages({ countTokens: countWords, contextTokens: 120, answerTokens: 100, passages: [passage(1, 50)], build })
    expect(packed.passages).toHaveLength(0)
    expect(packed.dropped).toBe(1)
  })
})
