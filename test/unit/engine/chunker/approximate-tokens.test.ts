import { describe, expect, it } from 'vitest'
import { approximateTokenCount } from '../../../../electron/engine/chunker/approximate-tokens'

// BERT's pre-tokeniser splits on whitespace and makes every punctuation character and CJK ideograph a token of
// its own; WordPiece can only split those pieces further. So this count is a floor for the real token count,
// and an estimate that must never under-count has to stay at or above it.
function wordPieceFloor(text: string): number {
  const pieces = text.toLowerCase().match(/[\p{L}\p{N}\p{M}]+|[^\s\p{L}\p{N}\p{M}]/gu) ?? []
  let count = 0
  for (const piece of pieces) {
    count += /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/u.test(piece) ? [...piece].length : 1
  }
  return count
}

const SAMPLES = [
  'Shipped the new deploy pipeline; rollback takes 2 minutes now.',
  '- [x] Fix `cron` on db-02 (see PR #4312)',
  '| Task | Owner | Status |\n|---|---|---|\n| Migrate | Ana | done |',
  'Call w/ Dr. Müller @ 14:30 — re: visa, €120 fee…',
  '東京で会議。ビザの申請を出した。',
  'Встреча с командой по релизу 2.4',
  'emoji 🎉🎉 party 🚀 launch',
  'https://example.com/a/b?c=d&e=f#frag',
  'getUserById(42) => { return db.users.find(u => u.id === 42) }',
  'sha 9f8a7c2e1b3d4f5a6b7c8d9e0f1a2b3c4d5e6f70',
  'café naïve coöperate',
  '',
  '   \n\t  ',
]

describe('approximateTokenCount', () => {
  it.each(SAMPLES)('never counts below the WordPiece floor: %j', (text) => {
    expect(approximateTokenCount(text)).toBeGreaterThanOrEqual(wordPieceFloor(text))
  })

  it.each([
    ['', 0],
    ['   \n\t ', 0],
    ['the', 1],
    ['the cat', 2],
    ['a, b.', 4],
    ['kubernetes', 4],
    ['2023', 2],
    ['東京', 2],
    ['🎉', 1],
  ])('%j counts %i', (text, expected) => {
    expect(approximateTokenCount(text)).toBe(expected)
  })

  it('is additive over whitespace-separated parts, so chunk sums match whole counts', () => {
    const parts = SAMPLES.filter((sample) => sample.trim() !== '')
    const whole = approximateTokenCount(parts.join('\n'))
    const sum = parts.reduce((total, part) => total + approximateTokenCount(part), 0)
    expect(whole).toBe(sum)
  })

  it('counts 5 MB of text (linear time, no per-word allocation)', () => {
    const text = SAMPLES.join('\n').repeat(Math.ceil(5_000_000 / SAMPLES.join('\n').length))
    const count = approximateTokenCount(text)
    expect(count).toBeGreaterThan(text.length / 8)
    expect(count).toBeLessThan(text.length)
  })
})
