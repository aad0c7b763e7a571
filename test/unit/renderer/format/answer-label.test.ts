import { describe, expect, it } from 'vitest'
import { answerBackendLabel, answerTimingLabel, formatBytes, formatDuration, formatPeriod, formatRelativeTime, shortModelName } from '../../../../renderer/format/answer-label'

describe('answer labels', () => {
  it.each([
    [{ backend: 'local', model: '/home/me/.notes/models/Phi-3.5-mini-instruct-Q4_K_M.gguf' }, 'Local · Phi-3.5-mini-instruct-Q4_K_M'],
    [{ backend: 'local', model: 'hf:bartowski/Phi-3.5-mini-instruct-GGUF:Q4_K_M' }, 'Local · Phi-3.5-mini-instruct:Q4_K_M'],
    [{ backend: 'gateway', model: 'large' }, 'Gateway · large'],
    [{ backend: 'gateway', model: null }, 'Gateway'],
    [{ backend: 'retrieval-only', model: null }, 'Retrieval only'],
  ] as const)('%o -> %s', (meta, expected) => {
    expect(answerBackendLabel(meta)).toBe(expected)
  })

  it('shortens very long model names', () => {
    expect(shortModelName('a'.repeat(40))).toBe(`${'a'.repeat(31)}…`)
  })

  it.each([
    [{ timeToFirstTokenMs: 420, totalMs: 2100 }, 'first token 420 ms · 2.1 s total'],
    [{ timeToFirstTokenMs: null, totalMs: 35 }, '35 ms total'],
    [{ timeToFirstTokenMs: 1500, totalMs: 12_400 }, 'first token 1.5 s · 12 s total'],
    // The passages are emitted as one delta: a "first token" figure would be meaningless.
    [{ backend: 'retrieval-only' as const, timeToFirstTokenMs: 152, totalMs: 160 }, 'found in 160 ms'],
  ])('%o -> %s', (meta, expected) => {
    expect(answerTimingLabel(meta)).toBe(expected)
  })

  it.each([
    [999, '999 ms'],
    [1000, '1.0 s'],
    [9949, '9.9 s'],
    [10_500, '11 s'],
  ])('formatDuration(%d) = %s', (ms, expected) => expect(formatDuration(ms)).toBe(expected))

  it.each([
    [512, '512 B'],
    [35_400_000, '35.4 MB'],
    [2_390_000_000, '2.4 GB'],
  ])('formatBytes(%d) = %s', (bytes, expected) => expect(formatBytes(bytes)).toBe(expected))

  it('formats periods and relative times', () => {
    expect(formatPeriod('2023-04-03', '2023-04-09')).toBe('3–9 Apr 2023')
    expect(formatPeriod('2024-03-11', '2024-03-11')).toBe('11 Mar 2024')
    expect(formatPeriod('2024-02-26', '2024-03-03')).toBe('26 Feb – 3 Mar 2024')
    expect(formatPeriod('2025-12-29', '2026-01-04')).toBe('29 Dec 2025 – 4 Jan 2026')
    expect(formatPeriod('someday', 'later')).toBe('someday – later')
    const now = Date.parse('2026-01-01T12:00:00Z')
    expect(formatRelativeTime('2026-01-01T11:59:50Z', now)).toBe('just now')
    expect(formatRelativeTime('2026-01-01T11:55:00Z', now)).toBe('5 min ago')
    expect(formatRelativeTime('2026-01-01T09:00:00Z', now)).toBe('3 h ago')
  })
})
