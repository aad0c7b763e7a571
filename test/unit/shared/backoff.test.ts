import { describe, expect, it } from 'vitest'
import { Backoff, backoffDelay } from '../../../shared/backoff'

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
