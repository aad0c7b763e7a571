import { describe, expect, it } from 'vitest'
import { DownloadRate } from '../../../../electron/engine/models/download-rate'

describe('DownloadRate', () => {
  it('is 0 until it has two samples', () => {
    const rate = new DownloadRate()
    expect(rate.bytesPerSecond()).toBe(0)
    rate.add(0, 1000)
    expect(rate.bytesPerSecond()).toBe(0)
  })

  it('averages over the last few seconds, so an old fast burst fades out', () => {
    const rate = new DownloadRate()
    rate.add(0, 0)
    rate.add(1000, 10_000_000) // 10 MB/s in the first second
    expect(rate.bytesPerSecond()).toBe(10_000_000)
    for (let second = 2; second <= 10; second++) rate.add(second * 1000, 10_000_000 + (second - 1) * 1_000_000)
    // Only the 1 MB/s samples remain in the window.
    expect(rate.bytesPerSecond()).toBeCloseTo(1_000_000, -3)
  })
})
