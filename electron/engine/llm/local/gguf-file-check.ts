import { open, stat, type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import { BrainError, throwIfAborted } from '../../../../shared/errors'

/** What the header of a complete GGUF file says about the model, enough to estimate its memory needs. */
export interface GgufFileSummary {
  fileBytes: number
  /** Header plus every tensor's data, as the tensor-info table declares it. */
  expectedBytes: number
  version: number
  tensorCount: number
  architecture: string | null
  contextLength: number | null
  blockCount: number | null
  embeddingLength: number | null
  headCount: number | null
  headCountKv: number | null
  keyLength: number | null
  valueLength: number | null
  /**
   * Bytes of the weight matrices llama.cpp's CPU backend copies into an interleaved layout at load (Q4_0, Q4_K,
   * IQ4_NL and MXFP4 on x86 with AVX2): that copy is resident on top of the mapped file.
   */
  cpuRepackBytes: number
}

/** Outcome of reading a GGUF file's header and tensor table; `reason` says why a file cannot be used. */
export type GgufCheckResult =
  | { ok: true; summary: GgufFileSummary }
  | { ok: false; reason: 'missing' | 'not-gguf' | 'truncated' | 'damaged'; fileBytes: number; expectedBytes: number | null; detail: string }

const GGUF_MAGIC = 0x46554747 // "GGUF" read as little-endian u32
const DEFAULT_ALIGNMENT = 32
const READ_CHUNK_BYTES = 1 << 20
// Real headers are a few MB (the vocabulary); anything far larger means the counts are garbage.
const MAX_HEADER_BYTES = 512 * 1024 * 1024
const MAX_STRING_BYTES = 64 * 1024 * 1024

/**
 * [elements per block, bytes per block] by ggml_type id, as ggml's type traits define them (a test compares them with
 * the llama.cpp binary). Ids missing here were removed from ggml; a file using one is reported as damaged.
 */
export const GGML_TYPE_BLOCKS: Readonly<Record<number, readonly [number, number]>> = {
  0: [1, 4], // F32
  1: [1, 2], // F16
  2: [32, 18], // Q4_0
  3: [32, 20], // Q4_1
  6: [32, 22], // Q5_0
  7: [32, 24], // Q5_1
  8: [32, 34], // Q8_0
  9: [32, 36], // Q8_1
  10: [256, 84], // Q2_K
  11: [256, 110], // Q3_K
  12: [256, 144], // Q4_K
  13: [256, 176], // Q5_K
  14: [256, 210], // Q6_K
  15: [256, 292], // Q8_K
  16: [256, 66], // IQ2_XXS
  17: [256, 74], // IQ2_XS
  18: [256, 98], // IQ3_XXS
  19: [256, 50], // IQ1_S
  20: [32, 18], // IQ4_NL
  21: [256, 110], // IQ3_S
  22: [256, 82], // IQ2_S
  23: [256, 136], // IQ4_XS
  24: [1, 1], // I8
  25: [1, 2], // I16
  26: [1, 4], // I32
  27: [1, 8], // I64
  28: [1, 8], // F64
  29: [256, 56], // IQ1_M
  30: [1, 2], // BF16
  34: [256, 54], // TQ1_0
  35: [256, 66], // TQ2_0
  39: [32, 17], // MXFP4
  40: [64, 36], // NVFP4
  41: [128, 18], // Q1_0
  42: [64, 18], // Q2_0
}

// ggml-cpu's repack.cpp (ggml_repack_get_optimal_repack_type): the types it interleaves on x86 with AVX2, for
// matrices whose row count is a multiple of 8. The token embedding is only looked up (get_rows), never repacked.
const CPU_REPACKED_TYPES = new Set([2, 12, 20, 39])

function isCpuRepacked(name: string, type: number, dimensionCount: number, rows: number): boolean {
  return CPU_REPACKED_TYPES.has(type) && dimensionCount === 2 && rows % 8 === 0 && !name.startsWith('token_embd.')
}

class HeaderTooShortError extends Error {}
class HeaderInvalidError extends Error {}

/** Sequential little-endian reader over a file handle that pulls more bytes only when needed. */
class HeaderReader {
  private buffer = Buffer.alloc(0)
  private bufferStart = 0
  position = 0

  constructor(
    private readonly handle: FileHandle,
    private readonly fileBytes: number,
    private readonly signal?: AbortSignal,
  ) {}

  private async need(bytes: number): Promise<Buffer> {
    const end = this.position + bytes
    if (end > this.fileBytes) throw new HeaderTooShortError()
    if (end > MAX_HEADER_BYTES) throw new HeaderInvalidError('header is implausibly large')
    if (end > this.bufferStart + this.buffer.length) {
      throwIfAborted(this.signal)
      const readLength = Math.max(bytes, READ_CHUNK_BYTES)
      const chunk = Buffer.alloc(Math.min(readLength, this.fileBytes - this.position))
      const { bytesRead } = await this.handle.read(chunk, 0, chunk.length, this.position)
      if (bytesRead < bytes) throw new HeaderTooShortError()
      this.buffer = chunk.subarray(0, bytesRead)
      this.bufferStart = this.position
    }
    const offset = this.position - this.bufferStart
    this.position = end
    return this.buffer.subarray(offset, offset + bytes)
  }

  async u8(): Promise<number> {
    return (await this.need(1)).readUInt8(0)
  }
  async u32(): Promise<number> {
    return (await this.need(4)).readUInt32LE(0)
  }
  async u64(): Promise<number> {
    const value = (await this.need(8)).readBigUInt64LE(0)
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new HeaderInvalidError('a 64-bit count is out of range')
    return Number(value)
  }
  async string(): Promise<string> {
    const length = await this.u64()
    if (length > MAX_STRING_BYTES) throw new HeaderInvalidError('a string length is out of range')
    return (await this.need(length)).toString('utf8')
  }
  async skip(bytes: number): Promise<void> {
    await this.need(bytes)
  }
}

// Byte widths of the fixed-size GGUF metadata value types (u8, i8, u16, i16, u32, i32, f32, bool, -, -, u64, i64, f64).
const FIXED_VALUE_BYTES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 }
const VALUE_STRING = 8
const VALUE_ARRAY = 9

async function readScalar(reader: HeaderReader, type: number): Promise<string | number | boolean | null> {
  if (type === VALUE_STRING) return reader.string()
  const width = FIXED_VALUE_BYTES[type]
  if (width === undefined) throw new HeaderInvalidError(`unknown metadata value type ${type}`)
  if (type === 4) return reader.u32()
  if (type === 10) return reader.u64()
  if (type === 7) return (await reader.u8()) !== 0
  await reader.skip(width)
  return null
}

async function skipArray(reader: HeaderReader): Promise<void> {
  const itemType = await reader.u32()
  const count = await reader.u64()
  if (itemType === VALUE_STRING) {
    for (let index = 0; index < count; index++) await reader.string()
    return
  }
  if (itemType === VALUE_ARRAY) {
    for (let index = 0; index < count; index++) await skipArray(reader)
    return
  }
  const width = FIXED_VALUE_BYTES[itemType]
  if (width === undefined) throw new HeaderInvalidError(`unknown array item type ${itemType}`)
  await reader.skip(width * count)
}

/**
 * Reads a GGUF file's header and tensor-info table and compares the data size they declare with the file's size,
 * so a truncated download is caught before llama.cpp maps it.
 */
export async function checkGgufFile(filePath: string, signal?: AbortSignal): Promise<GgufCheckResult> {
  let fileBytes: number
  try {
    fileBytes = (await stat(filePath)).size
  } catch {
    return { ok: false, reason: 'missing', fileBytes: 0, expectedBytes: null, detail: 'the file does not exist' }
  }
  const handle = await open(filePath, 'r')
  try {
    const reader = new HeaderReader(handle, fileBytes, signal)
    if (fileBytes < 24 || (await reader.u32()) !== GGUF_MAGIC) {
      return { ok: false, reason: 'not-gguf', fileBytes, expectedBytes: null, detail: 'the file does not start with the GGUF signature' }
    }
    const version = await reader.u32()
    if (version < 2 || version > 3) {
      return { ok: false, reason: 'not-gguf', fileBytes, expectedBytes: null, detail: `unsupported GGUF version ${version}` }
    }
    const tensorCount = await reader.u64()
    const metadataCount = await reader.u64()
    const scalars = new Map<string, string | number | boolean | null>()
    for (let index = 0; index < metadataCount; index++) {
      const key = await reader.string()
      const type = await reader.u32()
      if (type === VALUE_ARRAY) await skipArray(reader)
      else scalars.set(key, await readScalar(reader, type))
    }
    const alignmentValue = scalars.get('general.alignment')
    const alignment = typeof alignmentValue === 'number' && alignmentValue > 0 ? alignmentValue : DEFAULT_ALIGNMENT

    let dataBytes = 0
    let cpuRepackBytes = 0
    for (let index = 0; index < tensorCount; index++) {
      const name = await reader.string()
      const dimensionCount = await reader.u32()
      if (dimensionCount > 8) throw new HeaderInvalidError(`tensor ${name} has ${dimensionCount} dimensions`)
      let elements = 1
      let rows = 1
      for (let dimension = 0; dimension < dimensionCount; dimension++) {
        const size = await reader.u64()
        elements *= size
        if (dimension === 1) rows = size
      }
      const type = await reader.u32()
      const offset = await reader.u64()
      const block = GGML_TYPE_BLOCKS[type]
      if (!block) throw new HeaderInvalidError(`tensor ${name} has unknown type ${type}`)
      if (offset % alignment !== 0) throw new HeaderInvalidError(`tensor ${name} is not aligned`)
      const tensorBytes = Math.ceil(elements / block[0]) * block[1]
      dataBytes = Math.max(dataBytes, offset + tensorBytes)
      if (isCpuRepacked(name, type, dimensionCount, rows)) cpuRepackBytes += tensorBytes
    }
    const dataStart = Math.ceil(reader.position / alignment) * alignment
    const expectedBytes = dataStart + dataBytes
    if (fileBytes < expectedBytes) {
      return { ok: false, reason: 'truncated', fileBytes, expectedBytes, detail: 'the tensor data ends early' }
    }
    const architecture = typeof scalars.get('general.architecture') === 'string' ? (scalars.get('general.architecture') as string) : null
    const numberOf = (key: string): number | null => {
      const value = architecture ? scalars.get(`${architecture}.${key}`) : undefined
      return typeof value === 'number' ? value : null
    }
    return {
      ok: true,
      summary: {
        fileBytes,
        expectedBytes,
        version,
        tensorCount,
        architecture,
        contextLength: numberOf('context_length'),
        blockCount: numberOf('block_count'),
        embeddingLength: numberOf('embedding_length'),
        headCount: numberOf('attention.head_count'),
        headCountKv: numberOf('attention.head_count_kv'),
        keyLength: numberOf('attention.key_length'),
        valueLength: numberOf('attention.value_length'),
        cpuRepackBytes,
      },
    }
  } catch (error) {
    if (error instanceof HeaderTooShortError) {
      return { ok: false, reason: 'truncated', fileBytes, expectedBytes: null, detail: 'the header ends early' }
    }
    if (error instanceof HeaderInvalidError) {
      return { ok: false, reason: 'damaged', fileBytes, expectedBytes: null, detail: error.message }
    }
    throw error
  } finally {
    await handle.close()
  }
}

/** The user-facing sentence for a file that failed the check. */
export function describeGgufProblem(filePath: string, result: Exclude<GgufCheckResult, { ok: true }>): string {
  const name = path.basename(filePath)
  if (result.reason === 'missing') return `The model file ${name} was not found at ${filePath}.`
  if (result.reason === 'not-gguf') return `The file ${name} is not a GGUF model (${result.detail}). Choose a .gguf model file.`
  const sizes =
    result.expectedBytes === null
      ? `${result.fileBytes} bytes, ${result.detail}`
      : `${result.fileBytes} of ${result.expectedBytes} bytes`
  return `The model file ${name} is incomplete or damaged (${sizes}). Download it again.`
}

/** Throws `model-missing` or `model-corrupt` unless the file is a complete GGUF model; returns its summary. */
export async function assertGgufFileIntact(filePath: string, signal?: AbortSignal): Promise<GgufFileSummary> {
  const result = await checkGgufFile(filePath, signal)
  if (result.ok) return result.summary
  const details = { path: filePath, reason: result.reason, fileBytes: result.fileBytes, expectedBytes: result.expectedBytes }
  if (result.reason === 'missing') {
    throw new BrainError('model-missing', describeGgufProblem(filePath, result), { details })
  }
  throw new BrainError('model-corrupt', describeGgufProblem(filePath, result), { retryable: false, details })
}
