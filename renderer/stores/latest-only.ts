/**
 * Runs async requests where only the newest may land: an older response arriving after a newer request was made
 * resolves to `{stale: true}` and must be dropped (search-as-you-type).
 */
export function createLatestOnly<A extends unknown[], R>(run: (...args: A) => Promise<R>) {
  let generation = 0
  return {
    async call(...args: A): Promise<{ stale: false; value: R } | { stale: true }> {
      const mine = ++generation
      const value = await run(...args)
      return mine === generation ? { stale: false, value } : { stale: true }
    },
    /** Makes every request in flight stale (the input was cleared). */
    invalidate(): void {
      generation += 1
    },
  }
}
