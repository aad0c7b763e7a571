import { open } from 'node:fs/promises'
import { GGML_TYPE_BLOCKS } from '../../electron/engine/llm/local/gguf-file-check'

/**
 * A little-endian GGUF v3 writer shared by the generated test and benchmark models: `buildGguf` returns the bytes of
 * a small file, `writeGgufFile` streams a large one to disk tensor by tensor, chunk by chunk.
 */

export const GGUF_ALIGNMENT = 32

/** One metadata key-value pair, typed as GGUF stores it. */
export type GgufValue =
  | { key: string; type: 'string'; value: string }
  | { key: string; type: 'u32'; value: number }
  | { key: string; type: 'f32'; value: number }
  | { key: string; type: 'bool'; value: boolean }
  | { key: string; type: 'string[]'; value: string[] }
  | { key: string; type: 'f32[]'; value: number[] }
  | { key: string; type: 'i32[]'; value: number[] }

export function kv<T extends GgufValue['type']>(key: string, type: T, value: Extract<GgufValue, { type: T }>['value']): GgufValue {
  return { key, type, value } as GgufValue
}

/** ggml tensor type ids the generators write. */
export const GGML_TYPE = { F32: 0, Q8_0: 8, Q4_K: 12, Q5_K: 13, Q6_K: 14 } as const

/** A tensor's name, shape (ggml order: the fastest-moving dimension first) and type, without its data. */
export interface GgufTensorInfo {
  name: string
  dims: number[]
  type: number
}

/** A tensor with its bytes, whole (small files) or as chunks produced on demand (large files). */
export interface GgufTensor extends GgufTensorInfo {
  data: Uint8Array | ((byteLength: number) => Iterable<Uint8Array>)
}

/** Bytes of a tensor's data in its ggml type. */
export function tensorByteLength(tensor: GgufTensorInfo): number {
  const block = GGML_TYPE_BLOCKS[tensor.type]
  if (!block) throw new Error(`unknown ggml type ${tensor.type} for ${tensor.name}`)
  const elements = tensor.dims.reduce((product, dimension) => product * dimension, 1)
  if (tensor.dims[0] % block[0] !== 0) {
    throw new Error(`${tensor.name}: the first dimension ${tensor.dims[0]} is not a multiple of the type's block of ${block[0]}`)
  }
  return (elements / block[0]) * block[1]
}

// GGUF metadata value type ids.
const GGUF_UINT32 = 4
const GGUF_INT32 = 5
const GGUF_FLOAT32 = 6
const GGUF_BOOL = 7
const GGUF_STRING = 8
const GGUF_ARRAY = 9

/** The header (magic, metadata, tensor-info table) padded to the alignment, and where each tensor's data starts. */
export function encodeGgufHeader(metadata: GgufValue[], tensors: GgufTensorInfo[]): { header: Buffer; dataBytes: number } {
  const parts: Buffer[] = []
  const fixed = (bytes: number, write: (buffer: Buffer) => void) => {
    const buffer = Buffer.alloc(bytes)
    write(buffer)
    parts.push(buffer)
  }
  const u32 = (value: number) => fixed(4, (buffer) => buffer.writeUInt32LE(value))
  const i32 = (value: number) => fixed(4, (buffer) => buffer.writeInt32LE(value))
  const u64 = (value: number) => fixed(8, (buffer) => buffer.writeBigUInt64LE(BigInt(value)))
  const f32 = (value: number) => fixed(4, (buffer) => buffer.writeFloatLE(value))
  const string = (value: string) => {
    const bytes = Buffer.from(value, 'utf8')
    u64(bytes.length)
    parts.push(bytes)
  }

  parts.push(Buffer.from('GGUF', 'ascii'))
  u32(3)
  u64(tensors.length)
  u64(metadata.length)
  for (const entry of metadata) {
    string(entry.key)
    switch (entry.type) {
      case 'string':
        u32(GGUF_STRING)
        string(entry.value)
        break
      case 'u32':
        u32(GGUF_UINT32)
        u32(entry.value)
        break
      case 'f32':
        u32(GGUF_FLOAT32)
        f32(entry.value)
        break
      case 'bool':
        u32(GGUF_BOOL)
        parts.push(Buffer.from([entry.value ? 1 : 0]))
        break
      case 'string[]':
        u32(GGUF_ARRAY)
        u32(GGUF_STRING)
        u64(entry.value.length)
        entry.value.forEach(string)
        break
      case 'f32[]':
        u32(GGUF_ARRAY)
        u32(GGUF_FLOAT32)
        u64(entry.value.length)
        entry.value.forEach(f32)
        break
      case 'i32[]':
        u32(GGUF_ARRAY)
        u32(GGUF_INT32)
        u64(entry.value.length)
        entry.value.forEach(i32)
        break
    }
  }

  let offset = 0
  for (const tensor of tensors) {
    string(tensor.name)
    u32(tensor.dims.length)
    tensor.dims.forEach(u64)
    u32(tensor.type)
    u64(offset)
    offset = alignUp(offset + tensorByteLength(tensor))
  }
  const header = Buffer.concat(parts)
  const padded = Buffer.alloc(alignUp(header.length))
  header.copy(padded, 0)
  return { header: padded, dataBytes: offset }
}

/** The whole file in memory; for small models only. */
export function buildGguf(metadata: GgufValue[], tensors: GgufTensor[]): Buffer {
  const { header, dataBytes } = encodeGgufHeader(metadata, tensors)
  const file = Buffer.alloc(header.length + dataBytes)
  header.copy(file, 0)
  let position = header.length
  for (const tensor of tensors) {
    const byteLength = tensorByteLength(tensor)
    for (const chunk of chunksOf(tensor, byteLength)) {
      file.set(chunk, position)
      position += chunk.byteLength
    }
    position = header.length + alignUp(position - header.length)
  }
  return file
}

/**
 * Streams a GGUF file to `filePath`, asking each tensor for its bytes chunk by chunk, so a file of several GB never
 * sits in memory. Returns the file's size.
 */
export async function writeGgufFile(
  filePath: string,
  metadata: GgufValue[],
  tensors: GgufTensor[],
  options: { signal?: AbortSignal; onTensor?: (index: number, total: number) => void } = {},
): Promise<number> {
  const { header, dataBytes } = encodeGgufHeader(metadata, tensors)
  const handle = await open(filePath, 'w')
  try {
    await handle.write(header, 0, header.length, 0)
    let position = header.length
    for (const [index, tensor] of tensors.entries()) {
      options.signal?.throwIfAborted()
      const byteLength = tensorByteLength(tensor)
      for (const chunk of chunksOf(tensor, byteLength)) {
        await handle.write(chunk, 0, chunk.byteLength, position)
        position += chunk.byteLength
      }
      const end = header.length + alignUp(position - header.length)
      if (end > position) await handle.write(Buffer.alloc(end - position), 0, end - position, position)
      position = end
      options.onTensor?.(index + 1, tensors.length)
    }
    return header.length + dataBytes
  } finally {
    await handle.close()
  }
}

function* chunksOf(tensor: GgufTensor, byteLength: number): Iterable<Uint8Array> {
  let written = 0
  const source = typeof tensor.data === 'function' ? tensor.data(byteLength) : [tensor.data]
  for (const chunk of source) {
    written += chunk.byteLength
    if (written > byteLength) throw new Error(`${tensor.name}: ${written} bytes of data for a ${byteLength}-byte tensor`)
    yield chunk
  }
  if (written !== byteLength) throw new Error(`${tensor.name}: ${written} bytes of data for a ${byteLength}-byte tensor`)
}

/** The bytes of an f32 array, for `GgufTensor.data`. */
export function f32Bytes(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
}

export function alignUp(value: number): number {
  return Math.ceil(value / GGUF_ALIGNMENT) * GGUF_ALIGNMENT
}
