import { describe, expect, it } from 'vitest'
import { BrainError } from '../../../../shared/errors'
import { sleep } from '../../../../electron/engine/async/sleep'

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
