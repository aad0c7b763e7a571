import { describe, expect, it } from 'vitest'
import { checkGgufFile } from '../../../../../electron/engine/llm/local/gguf-file-check'
import { checkMemoryFit, estimateModelMemoryBytes } from '../../../../../electron/engine/llm/local/memory-estimate'
import { ensureTinyChatModel, TINY_CHAT_MODEL } from '../../../../support/tiny-chat-model'

const GIB = 1024 ** 3
const MIB = 1024 ** 2

describe('estimateModelMemoryBytes', () => {
  it('adds an f16 KV cache that grows with the context to the file size', async () => {
    const result = await checkGgufFile(await ensureTinyChatModel())
    if (!result.ok) throw new Error(result.detail)
    const { summary } = result
    expect(summary.blockCount).toBe(TINY_CHAT_MODEL.blockCount)
    expect(summary.embeddingLength).toBe(TINY_CHAT_MODEL.embeddingLength)
    const small = estimateModelMemoryBytes(summary, 256)
    const large = estimateModelMemoryBytes(summary, 512)
    // K and V, f16, per layer and token: 2 * 2 bytes * embedding width.
    const perToken = TINY_CHAT_MODEL.blockCount * 2 * 2 * TINY_CHAT_MODEL.embeddingLength
    expect(large - small).toBe(256 * perToken)
    expect(small).toBeGreaterThan(summary.fileBytes)
  })

  it('sizes a Phi-3.5-mini-like model at 4k context near its known footprint', () => {
    const required = estimateModelMemoryBytes(
      { fileBytes: 2.39 * GIB, expectedBytes: 2.39 * GIB, version: 3, tensorCount: 197, architecture: 'phi3', contextLength: 131072, blockCount: 32, embeddingLength: 3072, headCount: 32, headCountKv: 32, keyLength: null, valueLength: null },
      4096,
    )
    // 32 layers * 4096 tokens * 2 * 3072 * 2 bytes = 1.5 GiB of KV cache.
    expect(required / GIB).toBeGreaterThan(3.9)
    expect(required / GIB).toBeLessThan(4.4)
  })
})

describe('checkMemoryFit', () => {
  it.each([
    { requiredBytes: 4 * GIB, freeBytes: 8 * GIB, totalBytes: 16 * GIB, platform: 'linux', fits: true },
    { requiredBytes: 4 * GIB, freeBytes: 3 * GIB, totalBytes: 16 * GIB, platform: 'linux', fits: false },
    { requiredBytes: 4 * GIB, freeBytes: 3 * GIB, totalBytes: 16 * GIB, platform: 'win32', fits: false },
    // macOS counts caches as used: only the total matters there.
    { requiredBytes: 4 * GIB, freeBytes: 300 * MIB, totalBytes: 16 * GIB, platform: 'darwin', fits: true },
    { requiredBytes: 7.5 * GIB, freeBytes: 300 * MIB, totalBytes: 8 * GIB, platform: 'darwin', fits: false },
    { requiredBytes: 7.5 * GIB, freeBytes: 7.9 * GIB, totalBytes: 8 * GIB, platform: 'linux', fits: false },
  ] as const)('$requiredBytes needed, $freeBytes free of $totalBytes on $platform -> fits: $fits', (row) => {
    const fit = checkMemoryFit(row)
    expect(fit.fits).toBe(row.fits)
    expect(fit).toMatchObject({ requiredBytes: row.requiredBytes, freeBytes: row.freeBytes, totalBytes: row.totalBytes })
  })
})
