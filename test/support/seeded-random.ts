/**
 * mulberry32: a small, fast seeded generator. Everything the tests generate (the corpus, the tiny models' weights,
 * the benchmark's typing rhythm) uses it, so the same seed gives byte-identical output on every machine.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let value = state
    value = Math.imul(value ^ (value >>> 15), value | 1)
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61)
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296
  }
}
