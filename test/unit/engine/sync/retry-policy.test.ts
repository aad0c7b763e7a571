import { describe, expect, it } from 'vitest'
import { BrainError } from '../../../../shared/errors'
import { retryDelay, withRetry } from '../../../../electron/engine/sync/retry-policy'

const policy = { initialMs: 100, maxMs: 1_000, maxAttempts: 4, maxRetryAfterMs: 5_000 }

describe('retryDelay', () => {
  const retryable = (code: 'gateway-unreachable' | 'gateway-server-error' | 'gateway-timeout') => new BrainError(code, 'x', { retryable: true })
  it.each([
    ['network error', retryable('gateway-unreachable'), 0, 100],
    ['5xx', retryable('gateway-server-error'), 1, 200],
    ['timeout', retryable('gateway-timeout'), 2, 400],
    ['out of attempts', retryable('gateway-timeout'), 3, null],
    ['401', new BrainError('gateway-unauthorized', 'x'), 0, null],
    ['413', new BrainError('gateway-payload-too-large', 'x'), 0, null],
    ['aborted', new BrainError('aborted', 'x', { retryable: true }), 0, null],
    ['429 with Retry-After', new BrainError('gateway-rate-limited', 'x', { retryable: true, details: { retryAfterMs: 2_000 } }), 0, 2_000],
    ['429 asking too much', new BrainError('gateway-rate-limited', 'x', { retryable: true, details: { retryAfterMs: 86_400_000 } }), 0, 5_000],
    ['not a BrainError', new Error('boom'), 0, null],
  ])('%s', (_name, error, attempt, expected) => {
    expect(retryDelay(error, attempt, policy, () => 1)).toBe(expected)
  })
})

describe('withRetry', () => {
  it('retries until success and reports each wait', async () => {
    const waits: number[] = []
    let calls = 0
    const result = await withRetry(
      async () => {
        calls += 1
        if (calls < 3) throw new BrainError('gateway-server-error', 'x', { retryable: true })
        return 'ok'
      },
      { policy: { ...policy, initialMs: 1, maxMs: 4 }, random: () => 1, onWait: (delay) => waits.push(delay) },
    )
    expect(result).toBe('ok')
    expect(waits).toEqual([1, 2])
  })

  it('stops waiting when aborted', async () => {
    const controller = new AbortController()
    const pending = withRetry(
      async () => {
        throw new BrainError('gateway-unreachable', 'x', { retryable: true })
      },
      { policy: { ...policy, initialMs: 60_000, maxMs: 60_000 }, random: () => 1, signal: controller.signal, onWait: () => controller.abort() },
    )
    await expect(pending).rejects.toMatchObject({ code: 'aborted' })
  })
})
