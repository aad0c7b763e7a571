import type { GgufFileSummary } from './gguf-file-check'

const MEBIBYTE = 1024 * 1024
// llama.cpp's compute buffers and scratch space on CPU; measured a few hundred MB for 3-4B models at 4k context.
const COMPUTE_OVERHEAD_BYTES = 256 * MEBIBYTE
// The rest of the app (Electron, SQLite, the embedder) needs room too; never plan to use the whole machine.
const TOTAL_MEMORY_SHARE = 0.85

/**
 * Bytes the model needs resident: its weights (the file), the CPU backend's repacked copy of the 4-bit matrices (for
 * Q4_K_M Phi-3.5-mini 1.2 GiB, measured by test/bench/phi-shape-bench.ts), an f16 KV cache for `contextSize` tokens,
 * and compute overhead. On a GPU the repacked copy is not made, so there this errs high.
 */
export function estimateModelMemoryBytes(summary: GgufFileSummary, contextSize: number): number {
  const blocks = summary.blockCount ?? 0
  const headCount = summary.headCount ?? 0
  const headCountKv = summary.headCountKv ?? headCount
  const headDimension = headCount > 0 && summary.embeddingLength ? summary.embeddingLength / headCount : 0
  const keyWidth = headCountKv * (summary.keyLength ?? headDimension)
  const valueWidth = headCountKv * (summary.valueLength ?? headDimension)
  const kvCacheBytes = blocks * contextSize * (keyWidth + valueWidth) * 2
  return summary.fileBytes + summary.cpuRepackBytes + kvCacheBytes + COMPUTE_OVERHEAD_BYTES
}

/** The verdict of comparing a model's needs with the machine's memory, with the figures for the message. */
export interface MemoryFit {
  fits: boolean
  requiredBytes: number
  freeBytes: number
  totalBytes: number
}

/**
 * Whether `requiredBytes` can be had. macOS reports only never-used pages as free (its caches count as used), so
 * there only the total is compared; elsewhere `os.freemem()` is the kernel's "available" figure and is trusted.
 */
export function checkMemoryFit(input: { requiredBytes: number; freeBytes: number; totalBytes: number; platform: NodeJS.Platform }): MemoryFit {
  const withinTotal = input.requiredBytes <= input.totalBytes * TOTAL_MEMORY_SHARE
  const withinFree = input.platform === 'darwin' || input.requiredBytes <= input.freeBytes
  return { fits: withinTotal && withinFree, requiredBytes: input.requiredBytes, freeBytes: input.freeBytes, totalBytes: input.totalBytes }
}

export function formatGibibytes(bytes: number): string {
  return `${(bytes / (1024 * MEBIBYTE)).toFixed(1)} GB`
}
