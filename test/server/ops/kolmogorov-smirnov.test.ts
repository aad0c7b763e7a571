import { describe, expect, it } from 'vitest'
import { kolmogorovSurvival, ksTwoSample, quantile } from '../../../server/ops/kolmogorov-smirnov'
import { seededRandom } from '../../support/seeded-random'

describe('two-sample Kolmogorov–Smirnov', () => {
  it.each([
    // scipy.stats.ks_2samp([1,2,3,4,5], [6,7,8,9,10]) -> statistic 1.0
    { a: [1, 2, 3, 4, 5], b: [6, 7, 8, 9, 10], statistic: 1 },
    { a: [1, 2, 3, 4], b: [1, 2, 3, 4], statistic: 0 },
    // Half the mass moved: F_a(2) = 1, F_b(2) = 0.5.
    { a: [1, 2], b: [1, 2, 3, 4], statistic: 0.5 },
  ])('statistic of $a vs $b is $statistic', ({ a, b, statistic }) => {
    expect(ksTwoSample(a, b).statistic).toBeCloseTo(statistic, 10)
  })

  it('matches the Kolmogorov distribution at known points', () => {
    // P(K > 1.36) = 0.049 and P(K > 1.63) = 0.0098: the usual 5 % and 1 % critical values.
    expect(kolmogorovSurvival(1.36)).toBeCloseTo(0.0494, 3)
    expect(kolmogorovSurvival(1.63)).toBeCloseTo(0.0098, 3)
    expect(kolmogorovSurvival(0)).toBe(1)
  })

  it('does not alarm on two samples of one distribution and does on a shifted one', () => {
    const random = seededRandom(42)
    const normal = (shift: number) => {
      const u = Math.max(1e-12, random())
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random()) + shift
    }
    const base = Array.from({ length: 200 }, () => normal(0))
    const same = Array.from({ length: 50 }, () => normal(0))
    const shifted = Array.from({ length: 50 }, () => normal(1))
    expect(ksTwoSample(same, base).pValue).toBeGreaterThan(0.05)
    expect(ksTwoSample(shifted, base).pValue).toBeLessThan(0.001)
  })

  it('interpolates quantiles', () => {
    expect(quantile([4, 1, 3, 2], 0)).toBe(1)
    expect(quantile([4, 1, 3, 2], 1)).toBe(4)
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3)
    expect(quantile([0, 10], 0.25)).toBe(2.5)
  })
})
