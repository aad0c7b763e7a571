import { BrainError } from '../../shared/errors'

/** The two-sample Kolmogorov–Smirnov test: are two samples drawn from one distribution? */
export interface KsResult {
  /** The largest gap between the two empirical distribution functions, 0..1. */
  statistic: number
  /** Asymptotic p-value (Kolmogorov distribution with Stephens' small-sample correction). */
  pValue: number
}

export function ksTwoSample(a: readonly number[], b: readonly number[]): KsResult {
  if (a.length === 0 || b.length === 0) throw new BrainError('invalid-input', 'Both samples need at least one value.')
  const x = [...a].sort((p, q) => p - q)
  const y = [...b].sort((p, q) => p - q)
  let i = 0
  let j = 0
  let statistic = 0
  while (i < x.length && j < y.length) {
    const value = Math.min(x[i], y[j])
    while (i < x.length && x[i] <= value) i += 1
    while (j < y.length && y[j] <= value) j += 1
    statistic = Math.max(statistic, Math.abs(i / x.length - j / y.length))
  }
  const effective = Math.sqrt((x.length * y.length) / (x.length + y.length))
  return { statistic, pValue: kolmogorovSurvival((effective + 0.12 + 0.11 / effective) * statistic) }
}

/** P(K > lambda) for the Kolmogorov distribution: 2 * sum (-1)^(k-1) exp(-2 k^2 lambda^2). */
export function kolmogorovSurvival(lambda: number): number {
  if (lambda <= 0) return 1
  let sum = 0
  for (let k = 1; k <= 100; k += 1) {
    const term = 2 * (k % 2 === 1 ? 1 : -1) * Math.exp(-2 * k * k * lambda * lambda)
    sum += term
    if (Math.abs(term) < 1e-12) break
  }
  return Math.min(1, Math.max(0, sum))
}

/** The value below which `q` of the sample lies (linear interpolation). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((p, r) => p - r)
  if (sorted.length === 0) return Number.NaN
  const position = Math.min(sorted.length - 1, Math.max(0, q * (sorted.length - 1)))
  const low = Math.floor(position)
  const high = Math.ceil(position)
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low)
}
