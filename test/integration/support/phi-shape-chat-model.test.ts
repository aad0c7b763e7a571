import { mkdtemp, rm, stat } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { gguf } from '@huggingface/gguf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkGgufFile } from '../../../electron/engine/llm/local/gguf-file-check'
import { LocalChatBackend } from '../../../electron/engine/llm/local/local-chat-backend'
import { releaseSharedLlama } from '../../../electron/engine/llm/local/llama-instance'
import { encodeGgufHeader, GGML_TYPE } from '../../support/gguf-writer'
import { ensurePhiShapeChatModel, PHI_35_MINI_SHAPE, phiShapeModel, usesMoreBits, type PhiShape } from '../../support/phi-shape-chat-model'

// The benchmark's generator at a few MB: the same phi3 layout and Q4_K_M type choices, dimensions cut down (the
// K-quant blocks need multiples of 256). The full 2.4 GB shape is written only by the benchmark.
const SMALL: PhiShape = { blockCount: 8, embeddingLength: 256, headCount: 4, feedForwardLength: 512, vocabularySize: 1024, contextLength: 512 }
const GB = 1e9

let directory: string
let modelPath: string

beforeAll(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'phi-shape-'))
  modelPath = await ensurePhiShapeChatModel({ shape: SMALL, filePath: path.join(directory, 'small.gguf') })
})

afterAll(async () => {
  await releaseSharedLlama()
  await rm(directory, { recursive: true, force: true })
})

describe('phi-shape chat model generator', () => {
  it('writes a phi3 GGUF that @huggingface/gguf reads with fused qkv and gate+up tensors in Q4_K_M types', async () => {
    const parsed = await gguf(modelPath, { allowLocalFile: true })
    const metadata = parsed.metadata as Record<string, unknown>
    const { tensorInfos } = parsed
    expect(metadata['general.architecture']).toBe('phi3')
    expect(metadata['phi3.block_count']).toBe(SMALL.blockCount)
    expect(metadata['phi3.rope.dimension_count']).toBe(SMALL.embeddingLength / SMALL.headCount)
    expect(metadata['tokenizer.ggml.tokens']).toHaveLength(SMALL.vocabularySize)
    const byName = new Map(tensorInfos.map((tensor) => [tensor.name, tensor]))
    expect(byName.size).toBe(2 + 6 * SMALL.blockCount + 1)
    const dim = BigInt(SMALL.embeddingLength)
    expect(byName.get('blk.0.attn_qkv.weight')).toMatchObject({ shape: [dim, 3n * dim], dtype: GGML_TYPE.Q5_K })
    expect(byName.get('blk.0.ffn_up.weight')).toMatchObject({ shape: [dim, 2n * BigInt(SMALL.feedForwardLength)], dtype: GGML_TYPE.Q4_K })
    expect(byName.get('output.weight')).toMatchObject({ dtype: GGML_TYPE.Q6_K })
    expect(byName.get('token_embd.weight')).toMatchObject({ dtype: GGML_TYPE.Q4_K })
    for (let block = 0; block < SMALL.blockCount; block++) {
      expect(byName.get(`blk.${block}.ffn_down.weight`)?.dtype).toBe(usesMoreBits(block, SMALL.blockCount) ? GGML_TYPE.Q6_K : GGML_TYPE.Q4_K)
    }
    // llama.cpp's choice for 8 layers: the first, the last, and layers 3 and 6.
    expect([...Array(SMALL.blockCount).keys()].filter((block) => usesMoreBits(block, SMALL.blockCount))).toEqual([0, 3, 6, 7])
  })

  it('writes exactly the bytes its tensor table declares', async () => {
    const result = await checkGgufFile(modelPath)
    if (!result.ok) throw new Error(result.detail)
    expect(result.summary.expectedBytes).toBe((await stat(modelPath)).size)
    expect(result.summary).toMatchObject({ architecture: 'phi3', blockCount: SMALL.blockCount, headCount: SMALL.headCount })
  })

  it('loads and generates through the product backend', async () => {
    const backend = await LocalChatBackend.load({ modelPath, threads: 1, contextSize: 256, gpu: false })
    try {
      const result = await backend.complete({ messages: [{ role: 'user', content: 'What did I do in week 15?' }], maxTokens: 8, temperature: 0 })
      expect(result.tokensOut).toBeGreaterThan(0)
      expect(result.text.length).toBeGreaterThan(0)
    } finally {
      await backend.dispose()
    }
  })

  it('sizes the full Phi-3.5-mini shape like the published files (2.39 GB Q4_K_M, 4.06 GB Q8_0)', () => {
    const size = (quantization: 'q4_k_m' | 'q8_0') => {
      const { metadata, tensors } = phiShapeModel(PHI_35_MINI_SHAPE, quantization)
      const { header, dataBytes } = encodeGgufHeader(metadata, tensors)
      return { bytes: header.length + dataBytes, tensors: tensors.length }
    }
    const q4 = size('q4_k_m')
    expect(q4.tensors).toBe(195)
    expect(q4.bytes / GB).toBeGreaterThan(2.3)
    expect(q4.bytes / GB).toBeLessThan(2.45)
    expect(size('q8_0').bytes / GB).toBeGreaterThan(3.95)
    expect(size('q8_0').bytes / GB).toBeLessThan(4.15)
  })
})
