import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkGgufFile } from '../../../../../electron/engine/llm/local/gguf-file-check'
import { checkMemoryFit, estimateModelMemoryBytes } from '../../../../../electron/engine/llm/local/memory-estimate'
import { encodeGgufHeader } from '../../../../support/gguf-writer'
import { PHI_35_MINI_SHAPE, phiShapeModel } from '../../../../support/phi-shape-chat-model'
import { ensureTinyChatModel, TINY_CHAT_MODEL } from '../../../../support/tiny-chat-model'

const GIB = 1024 ** 3
const MIB = 1024 ** 2
// The Phi-3.5-mini-shape model at a 4k context, as llama.cpp allocated it here: 2,281.7 MiB mapped weights, 1,242 MiB
// repacked, 1,536 MiB KV cache, 90.6 MiB compute (flash attention). Peak RSS measured 4.95 GiB above the process's own.
const MEASURED_PHI_PEAK_GIB = 5.03

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

  it('sizes Phi-3.5-mini Q4_K_M at 4k context near the footprint measured with its shape', async () => {
    // The generator's real header and tensor table in a sparse file of the full size: no weights on disk.
    const directory = await mkdtemp(path.join(os.tmpdir(), 'phi-estimate-'))
    try {
      const filePath = path.join(directory, 'phi-3.5-mini-shape.gguf')
      const { metadata, tensors } = phiShapeModel(PHI_35_MINI_SHAPE, 'q4_k_m')
      const { header, dataBytes } = encodeGgufHeader(metadata, tensors)
      await writeFile(filePath, header)
      await truncate(filePath, header.length + dataBytes)
      const result = await checkGgufFile(filePath)
      if (!result.ok) throw new Error(result.detail)
      // Every Q4_K matrix but the token embedding: attn_output and ffn_up in all 32 layers, ffn_down in 16.
      expect(result.summary.cpuRepackBytes / MIB).toBeCloseTo(1242, 0)
      const required = estimateModelMemoryBytes(result.summary, 4096)
      // Never below what llama.cpp takes, and not far above it (README, Measured).
      expect(required / GIB).toBeGreaterThan(MEASURED_PHI_PEAK_GIB)
      expect(required / GIB).toBeLessThan(MEASURED_PHI_PEAK_GIB * 1.15)
    } finally {
      await rm(directory, { recursive: true, force: true })
    }
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
