import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { throttleLatest } from '../../../../renderer/stores/search-throttle'

/** A run whose calls are recorded with their start time and settle when the test says so. */
function recorder() {
  const starts: Array<{ value: string; at: number; settle(): void; fail(): void }> = []
  const run = (value: string) =>
    new Promise<void>((resolve, reject) => {
      starts.push({ value, at: Date.now(), settle: () => resolve(), fail: () => reject(new Error('engine down')) })
    })
  return { starts, run }
}

describe('throttleLatest', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })
  const now = () => Date.now()

  it('runs the first call after a pause at once', () => {
    const { starts, run } = recorder()
    const search = throttleLatest(50, run, now)
    search('k')
    expect(starts.map((start) => [start.value, start.at])).toEqual([['k', 0]])
  })

  it('runs only the newest of the calls made while one was too recent, on the trailing edge', async () => {
    const { starts, run } = recorder()
    const search = throttleLatest(50, run, now)
    search('k')
    starts[0].settle()
    await vi.advanceTimersByTimeAsync(10)
    search('ka')
    await vi.advanceTimersByTimeAsync(10)
    search('kaf')
    await vi.advanceTimersByTimeAsync(29)
    expect(starts.map((start) => start.value)).toEqual(['k'])
    await vi.advanceTimersByTimeAsync(1)
    expect(starts.map((start) => [start.value, start.at])).toEqual([['k', 0], ['kaf', 50]])
  })

  it('keeps one run in flight: the next waits for it to settle, however long it takes', async () => {
    const { starts, run } = recorder()
    const search = throttleLatest(50, run, now)
    search('k')
    search('ka')
    search('kafka')
    await vi.advanceTimersByTimeAsync(300)
    expect(starts.map((start) => start.value)).toEqual(['k'])
    starts[0].settle()
    await vi.advanceTimersByTimeAsync(0)
    expect(starts.map((start) => [start.value, start.at])).toEqual([['k', 0], ['kafka', 300]])
  })

  it('searches at once again after a pause longer than the interval', async () => {
    const { starts, run } = recorder()
    const search = throttleLatest(50, run, now)
    search('k')
    starts[0].settle()
    await vi.advanceTimersByTimeAsync(120)
    search('ka')
    expect(starts.map((start) => [start.value, start.at])).toEqual([['k', 0], ['ka', 120]])
  })

  it('cancel drops the waiting call, and a failed or throwing run does not stall the next', async () => {
    const { starts, run } = recorder()
    const search = throttleLatest(50, run, now)
    search('k')
    search('ka')
    search.cancel()
    starts[0].fail()
    await vi.advanceTimersByTimeAsync(100)
    expect(starts.map((start) => start.value)).toEqual(['k'])
    search('kafka')
    expect(starts.map((start) => start.value)).toEqual(['k', 'kafka'])

    let calls = 0
    const throwing = throttleLatest(0, (value: string) => {
      calls += 1
      if (value === 'bad') throw new Error('sync throw')
      return Promise.resolve()
    }, now)
    throwing('bad')
    await vi.advanceTimersByTimeAsync(0)
    throwing('good')
    await vi.advanceTimersByTimeAsync(0)
    expect(calls).toBe(2)
  })
})
