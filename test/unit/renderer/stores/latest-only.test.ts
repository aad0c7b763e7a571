import { describe, expect, it } from 'vitest'
import { createLatestOnly } from '../../../../renderer/stores/latest-only'

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('createLatestOnly', () => {
  it('drops a slow older response that lands after a newer one', async () => {
    const latest = createLatestOnly(async (query: string, delay: number) => {
      await wait(delay)
      return query.toUpperCase()
    })
    const older = latest.call('kaf', 60)
    const newer = latest.call('kafka', 5)
    expect(await newer).toEqual({ stale: false, value: 'KAFKA' })
    expect(await older).toEqual({ stale: true })
  })

  it('invalidate makes in-flight requests stale', async () => {
    const latest = createLatestOnly(async (value: number) => value)
    const pending = latest.call(1)
    latest.invalidate()
    expect(await pending).toEqual({ stale: true })
    expect(await latest.call(2)).toEqual({ stale: false, value: 2 })
  })

  it('passes errors through', async () => {
    const latest = createLatestOnly(async () => {
      throw new Error('boom')
    })
    await expect(latest.call()).rejects.toThrow('boom')
  })
})
