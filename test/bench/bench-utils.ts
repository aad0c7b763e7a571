/** Shared helpers for the benchmarks: percentiles, a printed table, peak RSS. */
import { readFileSync, writeFileSync } from 'node:fs'

/** The value at `fraction` (0..1) of the sorted values, nearest-rank. */
export function percentile(values: number[], fraction: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))
  return sorted[rank]
}

/** Prints a titled two-column table. */
export function printTable(title: string, rows: Array<[string, string]>): void {
  const width = Math.max(...rows.map(([label]) => label.length))
  console.log(`\n${title}`)
  console.log('-'.repeat(title.length))
  for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`)
}

/** Samples this process's RSS every 50 ms and keeps the peak. */
export function trackPeakRss(): { peakBytes(): number; stop(): void } {
  let peak = process.memoryUsage().rss
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss)
  }, 50)
  timer.unref()
  return {
    peakBytes: () => Math.max(peak, process.memoryUsage().rss),
    stop: () => clearInterval(timer),
  }
}

/**
 * The kernel's own peak RSS of this process (VmHWM, Linux), which also sees native allocations between samples.
 * `reset()` starts a new peak from the current RSS (`/proc/self/clear_refs` 5); null where /proc is missing.
 */
export function kernelPeakRss(): { reset(): void; peakBytes(): number | null } {
  return {
    reset: () => {
      try {
        writeFileSync('/proc/self/clear_refs', '5')
      } catch {
        // not Linux, or not allowed: the peak then counts from the process start
      }
    },
    peakBytes: () => {
      try {
        const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))
        return match ? Number(match[1]) * 1024 : null
      } catch {
        return null
      }
    },
  }
}
