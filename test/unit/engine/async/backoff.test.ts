import { describe, expect, it } from 'vitest'
import { BrainError } from '../../../../shared/errors'
import { Backoff, backoffDelay } from '../../../../electron/engine/async/backoff'
import { sleep } from '../../../../electron/engine/async/sleep'

const policy = { initialMs: 100, maxMs: 1_000 }

describe('backoffDelay', () => {
  it.each([
    [0, 100],
    [1, 200],
    [3, 800],
    [4, 1_000],
    [40, 1_000],
    [-1, 100],
  ])('without jitter, attempt %i waits %i ms', (attempt, expected) => {
    expect(backoffDelay(attempt, policy)).toBe(expected)
  })

  it.each([
    [0, 0, 50],
    [0, 1, 100],
    [1, 0, 100],
    [2, 0.5, 300],
    [3, 0.5, 600],
    [10, 1, 1_000],
    [10, 0, 500],
  ])('with equal jitter (sync retries), attempt %i and random %d waits %i ms', (attempt, random, expected) => {
    expect(backoffDelay(attempt, policy, () => random)).toBe(expected)
  })
})

describe('Backoff', () => {
  it('doubles per next() up to the cap, peek() does not advance, reset() starts over', () => {
    const backoff = new Backoff(() => policy)
    expect(backoff.peek()).toBe(100)
    expect(backoff.peek()).toBe(100)
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([100, 200, 400, 800, 1_000])
    backoff.reset()
    expect(backoff.next()).toBe(100)
  })

  it('reads its policy on every call, so a settings change applies to the next delay', () => {
    let current = { initialMs: 10, maxMs: 100 }
    const backoff = new Backoff(() => current)
    expect(backoff.next()).toBe(10)
    current = { initialMs: 1_000, maxMs: 5_000 }
    expect(backoff.next()).toBe(2_000)
  })
})

describe('sleep', () => {
  it('resolves after the delay', async () => {
    const started = Date.now()
    await sleep(20)
    expect(Date.now() - started).toBeGreaterThanOrEqual(15)
  })

  it('rejects with aborted at once for a fired signal, and when the signal fires meanwhile', async () => {
    const fired = new AbortController()
    fired.abort('why')
    const early = await sleep(10_000, fired.signal).catch((error: unknown) => error)
    expect(BrainError.is(early, 'aborted')).toBe(true)
    expect((early as BrainError).cause).toBe('why')
    const later = new AbortController()
    const waiting = sleep(10_000, later.signal).catch((error: unknown) => error)
    later.abort()
    const error = await waiting
    expect(BrainError.is(error, 'aborted')).toBe(true)
    expect((error as BrainError).retryable).toBe(true)
  })
})
