import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { getLlama, readGgufFileInfo } from 'node-llama-cpp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BrainError } from '../../../../../shared/errors'
import { assertGgufFileIntact, checkGgufFile, GGML_TYPE_BLOCKS } from '../../../../../electron/engine/llm/local/gguf-file-check'
import { ensureTinyChatModel, TINY_CHAT_MODEL } from '../../../../support/tiny-chat-model'

let modelPath: string
let directory: string

beforeAll(async () => {
  modelPath = await ensureTinyChatModel()
  directory = await mkdtemp(path.join(os.tmpdir(), 'gguf-check-'))
})

afterAll(async () => {
  await rm(directory, { recursive: true, force: true })
})

describe('checkGgufFile', () => {
  it('reads the header of a complete file and sizes its data exactly', async () => {
    const result = await checkGgufFile(modelPath)
    if (!result.ok) throw new Error(result.detail)
    const info = await readGgufFileInfo(modelPath, { readTensorInfo: true })
    expect(result.summary.expectedBytes).toBe(result.summary.fileBytes)
    expect(result.summary.tensorCount).toBe(info.tensorInfo?.length)
    expect(result.summary).toMatchObject({
      version: 3,
      architecture: 'llama',
      contextLength: TINY_CHAT_MODEL.contextLength,
      blockCount: TINY_CHAT_MODEL.blockCount,
      embeddingLength: TINY_CHAT_MODEL.embeddingLength,
      headCount: TINY_CHAT_MODEL.headCount,
      headCountKv: TINY_CHAT_MODEL.headCount,
    })
  })

  it.each([1, 31, 4096, 150_000])('flags a copy missing its last %i bytes as truncated', async (missing) => {
    const bytes = await readFile(modelPath)
    const cut = path.join(directory, `cut-${missing}.gguf`)
    await writeFile(cut, bytes.subarray(0, bytes.length - missing))
    const result = await checkGgufFile(cut)
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.reason).toBe('truncated')
      expect(result.fileBytes).toBe(bytes.length - missing)
    }
  })

  it('flags garbage counts as damaged rather than reading gigabytes', async () => {
    const bytes = Buffer.from(await readFile(modelPath))
    // The tensor count sits right after the magic and version; an absurd one must not send the reader off.
    bytes.writeBigUInt64LE(2n ** 40n, 8)
    bytes.writeBigUInt64LE(2n ** 50n, 16)
    const damaged = path.join(directory, 'damaged.gguf')
    await writeFile(damaged, bytes)
    const result = await checkGgufFile(damaged)
    expect(result.ok).toBe(false)
    await expect(assertGgufFileIntact(damaged)).rejects.toSatisfy((error: unknown) => BrainError.is(error, 'model-corrupt'))
  })

  it('knows the block sizes llama.cpp itself uses for every tensor type', async () => {
    const llama = (await getLlama({ gpu: false, build: 'never' })) as unknown as {
      _bindings: { getBlockSizeForGgmlType(type: number): number | undefined; getTypeSizeForGgmlType(type: number): number | undefined }
    }
    let compared = 0
    for (let type = 0; type < 64; type++) {
      const blockSize = llama._bindings.getBlockSizeForGgmlType(type)
      const typeSize = llama._bindings.getTypeSizeForGgmlType(type)
      if (!blockSize || !typeSize) {
        expect(GGML_TYPE_BLOCKS[type]).toBeUndefined()
        continue
      }
      expect([type, ...(GGML_TYPE_BLOCKS[type] ?? [])]).toEqual([type, blockSize, typeSize])
      compared++
    }
    expect(compared).toBeGreaterThan(30)
  })
})
