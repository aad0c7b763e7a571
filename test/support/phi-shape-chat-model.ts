import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { f32Bytes, GGML_TYPE, GGUF_ALIGNMENT, kv, writeGgufFile, type GgufTensor, type GgufValue } from './gguf-writer'
import { seededRandom } from './seeded-random'
import { buildTinyVocabulary, TINY_CHAT_MODEL, TINY_CHAT_TEMPLATE } from './tiny-chat-model'

// Bump whenever the bytes the generator writes change, so a stale cached file is never reused.
const PHI_SHAPE_MODEL_VERSION = 'v1'

/** The shape of a phi3-architecture model; the default is Phi-3.5-mini-instruct's. */
export interface PhiShape {
  blockCount: number
  embeddingLength: number
  headCount: number
  feedForwardLength: number
  vocabularySize: number
  contextLength: number
}

/** Phi-3.5-mini-instruct (as llama.cpp reads it: phi3, fused attn_qkv and gate+up ffn_up), 4k context. */
export const PHI_35_MINI_SHAPE: PhiShape = {
  blockCount: 32,
  embeddingLength: 3072,
  headCount: 32,
  feedForwardLength: 8192,
  vocabularySize: 32_064,
  contextLength: 4096,
}

/**
 * `q4_k_m`: the tensor types llama.cpp's quantizer picks for Q4_K_M on phi3 (Q4_K, with Q5_K for attn_qkv and Q6_K
 * for output and for ffn_down in the layers `use_more_bits` selects). `q8_0`: every matrix Q8_0.
 */
export type PhiQuantization = 'q4_k_m' | 'q8_0'

// llama_token_type ids.
const TOKEN_NORMAL = 1
const TOKEN_CONTROL = 3

// llama_ftype ids for general.file_type.
const FILE_TYPE: Record<PhiQuantization, number> = { q4_k_m: 15, q8_0: 7 }

/** Where the benchmark's model is cached: `$PHI_SHAPE_DIR` or `<os temp>/notes-rag-phi-shape/`. */
export function phiShapeModelDirectory(): string {
  return process.env.PHI_SHAPE_DIR ?? path.join(os.tmpdir(), 'notes-rag-phi-shape')
}

export function phiShapeModelPath(quantization: PhiQuantization = 'q4_k_m', directory = phiShapeModelDirectory()): string {
  return path.join(directory, `phi-3.5-mini-shape-${quantization}-${PHI_SHAPE_MODEL_VERSION}.gguf`)
}

/**
 * Writes (once) a GGUF chat model of `shape` with seeded random weights and returns its path. The full Phi-3.5 shape
 * is about 2.4 GB in Q4_K_M: it is streamed to disk, never held in memory; for benchmarks only.
 */
export async function ensurePhiShapeChatModel(
  options: {
    quantization?: PhiQuantization
    shape?: PhiShape
    filePath?: string
    signal?: AbortSignal
    onProgress?: (done: number, total: number) => void
  } = {},
): Promise<string> {
  const quantization = options.quantization ?? 'q4_k_m'
  const modelPath = options.filePath ?? phiShapeModelPath(quantization)
  if (existsSync(modelPath)) return modelPath
  await mkdir(path.dirname(modelPath), { recursive: true })
  const temporaryPath = `${modelPath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    const { metadata, tensors } = phiShapeModel(options.shape ?? PHI_35_MINI_SHAPE, quantization)
    await writeGgufFile(temporaryPath, metadata, tensors, { signal: options.signal, onTensor: options.onProgress })
    await rename(temporaryPath, modelPath)
  } finally {
    await rm(temporaryPath, { force: true })
  }
  return modelPath
}

/** The tiny model's vocabulary (specials, bytes, `▁`, ASCII) plus Phi-3's control tokens, padded with letter pieces to `size` tokens. */
export function buildPaddedVocabulary(size: number): ReturnType<typeof buildTinyVocabulary> {
  const vocabulary = buildTinyVocabulary()
  const seen = new Set(vocabulary.tokens)
  const letters = 'abcdefghijklmnopqrstuvwxyz'
  const add = (token: string, score: number, type = TOKEN_NORMAL) => {
    if (vocabulary.tokens.length >= size || seen.has(token)) return
    seen.add(token)
    vocabulary.tokens.push(token)
    vocabulary.scores.push(score)
    vocabulary.types.push(type)
  }
  // Phi-3's own control tokens: llama.cpp looks `<|endoftext|>` up by name in any model whose name says phi-3.
  for (const token of ['<|endoftext|>', '<|assistant|>', '<|end|>', '<|user|>', '<|system|>']) add(token, 0, TOKEN_CONTROL)
  // Longer pieces score higher, so English text merges into two- and three-letter pieces as SentencePiece would.
  for (const first of letters) for (const second of letters) add(`\u2581${first}${second}`, -0.2)
  for (const first of letters) for (const second of letters) add(`${first}${second}`, -0.3)
  for (const first of letters) for (const second of letters) for (const third of letters) add(`\u2581${first}${second}${third}`, -0.1)
  for (const first of letters) for (const second of letters) for (const third of letters) add(`${first}${second}${third}`, -0.15)
  if (vocabulary.tokens.length < size) throw new Error(`cannot pad the vocabulary to ${size} tokens`)
  return vocabulary
}

/** Metadata and tensors (with lazily produced random data) of a phi3 model of `shape`. */
export function phiShapeModel(shape: PhiShape, quantization: PhiQuantization): { metadata: GgufValue[]; tensors: GgufTensor[] } {
  const { blockCount, embeddingLength: dim, headCount, feedForwardLength: ff, vocabularySize } = shape
  const vocabulary = buildPaddedVocabulary(vocabularySize)
  const quantized = (role: 'embedding' | 'output' | 'qkv' | 'attention-output' | 'up' | 'down', block = 0): number => {
    if (quantization === 'q8_0') return GGML_TYPE.Q8_0
    if (role === 'output') return GGML_TYPE.Q6_K
    if (role === 'qkv') return GGML_TYPE.Q5_K
    if (role === 'down' && usesMoreBits(block, blockCount)) return GGML_TYPE.Q6_K
    return GGML_TYPE.Q4_K
  }
  const norm = (name: string): GgufTensor => ({ name, dims: [dim], type: GGML_TYPE.F32, data: f32Bytes(new Float32Array(dim).fill(1)) })
  const random = (name: string, dims: number[], type: number, seed: number): GgufTensor => ({ name, dims, type, data: randomBlocks(type, seed) })

  const tensors: GgufTensor[] = [random('token_embd.weight', [dim, vocabularySize], quantized('embedding'), 1)]
  for (let block = 0; block < blockCount; block++) {
    const prefix = `blk.${block}`
    const seed = 100 + block * 8
    tensors.push(
      norm(`${prefix}.attn_norm.weight`),
      random(`${prefix}.attn_qkv.weight`, [dim, 3 * dim], quantized('qkv'), seed),
      random(`${prefix}.attn_output.weight`, [dim, dim], quantized('attention-output'), seed + 1),
      norm(`${prefix}.ffn_norm.weight`),
      // Phi-3 fuses the gate and up projections: 2 x feed_forward_length rows.
      random(`${prefix}.ffn_up.weight`, [dim, 2 * ff], quantized('up'), seed + 2),
      random(`${prefix}.ffn_down.weight`, [ff, dim], quantized('down', block), seed + 3),
    )
  }
  tensors.push(norm('output_norm.weight'), random('output.weight', [dim, vocabularySize], quantized('output'), 2))

  const metadata: GgufValue[] = [
    kv('general.architecture', 'string', 'phi3'),
    kv('general.name', 'string', `notes-rag phi-3.5-mini-shape random ${quantization}`),
    kv('general.file_type', 'u32', FILE_TYPE[quantization]),
    kv('general.alignment', 'u32', GGUF_ALIGNMENT),
    kv('phi3.context_length', 'u32', shape.contextLength),
    kv('phi3.embedding_length', 'u32', dim),
    kv('phi3.block_count', 'u32', blockCount),
    kv('phi3.feed_forward_length', 'u32', ff),
    kv('phi3.attention.head_count', 'u32', headCount),
    kv('phi3.attention.head_count_kv', 'u32', headCount),
    kv('phi3.rope.dimension_count', 'u32', dim / headCount),
    kv('phi3.rope.freq_base', 'f32', 10_000),
    kv('phi3.attention.layer_norm_rms_epsilon', 'f32', 1e-5),
    kv('tokenizer.ggml.model', 'string', 'llama'),
    kv('tokenizer.ggml.tokens', 'string[]', vocabulary.tokens),
    kv('tokenizer.ggml.scores', 'f32[]', vocabulary.scores),
    kv('tokenizer.ggml.token_type', 'i32[]', vocabulary.types),
    kv('tokenizer.ggml.bos_token_id', 'u32', TINY_CHAT_MODEL.bosTokenId),
    kv('tokenizer.ggml.eos_token_id', 'u32', TINY_CHAT_MODEL.eosTokenId),
    kv('tokenizer.ggml.unknown_token_id', 'u32', 0),
    kv('tokenizer.ggml.add_bos_token', 'bool', true),
    kv('tokenizer.ggml.add_eos_token', 'bool', false),
    kv('tokenizer.chat_template', 'string', TINY_CHAT_TEMPLATE),
  ]
  return { metadata, tensors }
}

/** llama.cpp's `use_more_bits`: the layers Q4_K_M gives more bits in ffn_down (first and last eighth, every third). */
export function usesMoreBits(layer: number, layers: number): boolean {
  const eighth = Math.floor(layers / 8)
  return layer < eighth || layer >= Math.floor((7 * layers) / 8) || (layer - eighth) % 3 === 2
}

// A pool of random blocks is written over and over (from a per-tensor offset): the weights mean nothing anyway, and
// generating 2.4 GB of random numbers in JavaScript would take longer than the benchmark.
const POOL_BYTES = 4 * 1024 * 1024
const pools = new Map<number, Buffer>()

function randomBlocks(type: number, seed: number): (byteLength: number) => Iterable<Uint8Array> {
  return function* (byteLength: number) {
    const pool = blockPool(type)
    const blockBytes = BLOCK_BYTES[type]
    let start = ((seed * 7919) % Math.floor(pool.length / blockBytes)) * blockBytes
    let remaining = byteLength
    while (remaining > 0) {
      const take = Math.min(remaining, pool.length - start)
      yield pool.subarray(start, start + take)
      remaining -= take
      start = 0
    }
  }
}

const BLOCK_BYTES: Record<number, number> = { [GGML_TYPE.Q8_0]: 34, [GGML_TYPE.Q4_K]: 144, [GGML_TYPE.Q5_K]: 176, [GGML_TYPE.Q6_K]: 210 }

/**
 * Random quant bytes with sane f16 scales, laid out as ggml's block structs (ggml-common.h), so dequantized weights
 * are small (|w| of order 0.02) and activations stay finite through 32 layers.
 */
function blockPool(type: number): Buffer {
  const cached = pools.get(type)
  if (cached) return cached
  const blockBytes = BLOCK_BYTES[type]
  if (!blockBytes) throw new Error(`no random block layout for ggml type ${type}`)
  const blocks = Math.floor(POOL_BYTES / blockBytes)
  const pool = Buffer.alloc(blocks * blockBytes)
  const random = seededRandom(0x9a11 + type)
  for (let index = 0; index < pool.length; index++) pool[index] = Math.floor(random() * 256)
  const scale = (base: number) => toHalf(base * (0.5 + random()))
  for (let block = 0; block < blocks; block++) {
    const at = block * blockBytes
    switch (type) {
      case GGML_TYPE.Q8_0: // d, qs[32] (int8)
        pool.writeUInt16LE(scale(1.5e-4), at)
        break
      case GGML_TYPE.Q4_K: // d, dmin, scales[12], qs[128]
        pool.writeUInt16LE(scale(1e-4), at)
        pool.writeUInt16LE(scale(7.5e-4), at + 2)
        break
      case GGML_TYPE.Q5_K: // d, dmin, scales[12], qh[32], qs[128]
        pool.writeUInt16LE(scale(5e-5), at)
        pool.writeUInt16LE(scale(7.5e-4), at + 2)
        break
      case GGML_TYPE.Q6_K: // ql[128], qh[64], scales[16] (int8), d
        pool.writeUInt16LE(scale(2e-5), at + 208)
        break
    }
  }
  pools.set(type, pool)
  return pool
}

/** IEEE half-precision bits of a small positive or negative float (truncating). */
export function toHalf(value: number): number {
  const view = new DataView(new ArrayBuffer(4))
  view.setFloat32(0, value)
  const bits = view.getUint32(0)
  const sign = (bits >>> 16) & 0x8000
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15
  const mantissa = bits & 0x7fffff
  if (exponent <= 0) return exponent < -10 ? sign : sign | ((mantissa | 0x800000) >> (14 - exponent))
  if (exponent >= 31) return sign | 0x7c00
  return sign | (exponent << 10) | (mantissa >> 13)
}
