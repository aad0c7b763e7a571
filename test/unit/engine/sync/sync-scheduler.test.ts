import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SyncScheduler } from '../../../../electron/engine/sync/sync-scheduler'

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
})

function scheduler(results: boolean[]) {
  const runs: number[] = []
  const retries: Date[] = []
  const instance = new SyncScheduler({
    debounceMs: 100,
    retryLaterMs: 1_000,
    run: async () => {
      runs.push(Date.now())
      return results.shift() ?? false
    },
    onRetryPlanned: (at) => retries.push(at),
  })
  return { instance, runs, retries }
}

describe('SyncScheduler', () => {
  it('runs one pass after the quiet period, however often it was asked meanwhile', async () => {
    const { instance, runs } = scheduler([])
    instance.schedule()
    await vi.advanceTimersByTimeAsync(60)
    instance.schedule()
    await vi.advanceTimersByTimeAsync(60)
    instance.schedule()
    expect(runs).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(100)
    expect(runs).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(runs).toHaveLength(1)
    instance.dispose()
  })

  it('tries again later after a retryable failure, and says when', async () => {
    const { instance, runs, retries } = scheduler([true, true, false])
    const started = Date.now()
    instance.schedule()
    await vi.advanceTimersByTimeAsync(100)
    expect(runs).toHaveLength(1)
    expect(retries.map((at) => at.getTime() - started)).toEqual([1_100])
    await vi.advanceTimersByTimeAsync(1_000)
    expect(runs).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(runs).toHaveLength(3)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(runs).toHaveLength(3)
    expect(retries).toHaveLength(2)
    instance.dispose()
  })

  it('a new pass replaces a planned retry instead of adding one', async () => {
    const { instance, runs } = scheduler([true, false])
    instance.schedule()
    await vi.advanceTimersByTimeAsync(100)
    expect(runs).toHaveLength(1)
    instance.schedule()
    await vi.advanceTimersByTimeAsync(100)
    expect(runs).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(5_000)
    expect(runs).toHaveLength(2)
    instance.dispose()
  })

  it('runs nothing once disposed', async () => {
    const { instance, runs } = scheduler([true])
    instance.schedule()
    instance.dispose()
    instance.schedule()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(runs).toHaveLength(0)
  })
})
