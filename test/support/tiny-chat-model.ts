import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildGguf, f32Bytes, GGML_TYPE, GGUF_ALIGNMENT, kv, type GgufValue } from './gguf-writer'
import { seededRandom } from './seeded-random'

// Bump whenever the bytes the generator writes change, so stale cached files are never reused.
const TINY_CHAT_MODEL_VERSION = 'v1'

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

/** Shape of the generated model, exported so tests can assert against the real numbers. */
export const TINY_CHAT_MODEL = {
  contextLength: 512,
  embeddingLength: 32,
  blockCount: 2,
  feedForwardLength: 64,
  headCount: 4,
  bosTokenId: 1,
  eosTokenId: 2,
} as const

/** ChatML: node-llama-cpp recognises it and wraps turns in <|im_start|>/<|im_end|>. */
export const TINY_CHAT_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"

/**
 * Path of a tiny, deterministic llama-architecture GGUF chat model, written once into `<repo>/.cache/test-models/`.
 * Safe to call from parallel test processes: each writes a private temp file and renames it into place.
 */
export async function ensureTinyChatModel(): Promise<string> {
  const directory = path.join(repositoryRoot, '.cache', 'test-models')
  const modelPath = path.join(directory, `tiny-chat-${TINY_CHAT_MODEL_VERSION}.gguf`)
  if (existsSync(modelPath)) return modelPath
  await mkdir(directory, { recursive: true })
  const temporaryPath = `${modelPath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    await writeFile(temporaryPath, buildTinyChatModel())
    await rename(temporaryPath, modelPath)
  } finally {
    await rm(temporaryPath, { force: true })
  }
  return modelPath
}

// Token types of llama.cpp's vocabulary (llama_token_type).
const TOKEN_NORMAL = 1
const TOKEN_UNKNOWN = 2
const TOKEN_CONTROL = 3
const TOKEN_BYTE = 6

interface Vocabulary {
  tokens: string[]
  scores: number[]
  types: number[]
}

/** SentencePiece-style vocabulary: specials, byte fallback, `▁`, printable ASCII and `▁`+letter pieces. */
export function buildTinyVocabulary(): Vocabulary {
  const tokens: string[] = []
  const scores: number[] = []
  const types: number[] = []
  const add = (token: string, score: number, type: number) => {
    tokens.push(token)
    scores.push(score)
    types.push(type)
  }
  add('<unk>', 0, TOKEN_UNKNOWN)
  add('<s>', 0, TOKEN_CONTROL)
  add('</s>', 0, TOKEN_CONTROL)
  add('<|im_start|>', 0, TOKEN_CONTROL)
  add('<|im_end|>', 0, TOKEN_CONTROL)
  for (let byte = 0; byte < 256; byte++) add(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`, 0, TOKEN_BYTE)
  // The word-boundary marker must be a normal token: as raw bytes it would detokenize to "▁" instead of a space.
  add('\u2581', -1, TOKEN_NORMAL)
  for (let code = 0x21; code <= 0x7e; code++) add(String.fromCharCode(code), -2, TOKEN_NORMAL)
  // Merged pieces score higher than single characters so the SentencePiece merger prefers them.
  for (let code = 0x61; code <= 0x7a; code++) add(`\u2581${String.fromCharCode(code)}`, -0.5, TOKEN_NORMAL)
  return { tokens, scores, types }
}

/**
 * The GGUF bytes of the tiny model. Deterministic: the same bytes on every machine. `paddingBytes` appends an extra
 * f32 tensor so download tests get a well-formed GGUF larger than the downloader's 5 MB resume chunks; llama.cpp
 * refuses such a file (unknown tensor), so padded files are for transfer tests only.
 */
export function buildTinyChatModel(options: { paddingBytes?: number } = {}): Buffer {
  const vocabulary = buildTinyVocabulary()
  const { embeddingLength: dim, blockCount, feedForwardLength: ff, headCount } = TINY_CHAT_MODEL
  const vocabularySize = vocabulary.tokens.length
  const random = seededRandom(0x5eed)
  const uniform = (scale: number) => (random() * 2 - 1) * scale
  const matrix = (columns: number, rows: number, scale: number) =>
    Float32Array.from({ length: columns * rows }, () => uniform(scale))
  const ones = (length: number) => new Float32Array(length).fill(1)

  const tokenEmbedding = matrix(dim, vocabularySize, 0.5)
  // Dimension 0 is a constant "bias" channel that survives the residual stream, so the output layer can push the
  // logits of special and byte tokens far down: generation then keeps producing printable text until maxTokens.
  for (let token = 0; token < vocabularySize; token++) tokenEmbedding[token * dim] = 4
  const output = matrix(dim, vocabularySize, 0.5)
  for (let token = 0; token < vocabularySize; token++) {
    output[token * dim] = vocabulary.types[token] === TOKEN_NORMAL ? 0 : -50
  }

  const tensors: Array<{ name: string; dims: number[]; data: Float32Array }> = [
    { name: 'token_embd.weight', dims: [dim, vocabularySize], data: tokenEmbedding },
  ]
  for (let block = 0; block < blockCount; block++) {
    const prefix = `blk.${block}`
    tensors.push(
      { name: `${prefix}.attn_norm.weight`, dims: [dim], data: ones(dim) },
      { name: `${prefix}.attn_q.weight`, dims: [dim, dim], data: matrix(dim, dim, 0.2) },
      { name: `${prefix}.attn_k.weight`, dims: [dim, dim], data: matrix(dim, dim, 0.2) },
      { name: `${prefix}.attn_v.weight`, dims: [dim, dim], data: matrix(dim, dim, 0.2) },
      { name: `${prefix}.attn_output.weight`, dims: [dim, dim], data: matrix(dim, dim, 0.2) },
      { name: `${prefix}.ffn_norm.weight`, dims: [dim], data: ones(dim) },
      { name: `${prefix}.ffn_gate.weight`, dims: [dim, ff], data: matrix(dim, ff, 0.2) },
      { name: `${prefix}.ffn_up.weight`, dims: [dim, ff], data: matrix(dim, ff, 0.2) },
      { name: `${prefix}.ffn_down.weight`, dims: [ff, dim], data: matrix(ff, dim, 0.2) },
    )
  }
  tensors.push(
    { name: 'output_norm.weight', dims: [dim], data: ones(dim) },
    { name: 'output.weight', dims: [dim, vocabularySize], data: output },
  )
  if (options.paddingBytes) {
    const elements = Math.ceil(options.paddingBytes / 4)
    tensors.push({ name: 'notes_rag.padding', dims: [elements], data: Float32Array.from({ length: elements }, (_, index) => index % 1000) })
  }

  const metadata: GgufValue[] = [
    kv('general.architecture', 'string', 'llama'),
    kv('general.name', 'string', 'notes-rag tiny test model'),
    kv('general.file_type', 'u32', 0),
    kv('general.alignment', 'u32', GGUF_ALIGNMENT),
    kv('llama.context_length', 'u32', TINY_CHAT_MODEL.contextLength),
    kv('llama.embedding_length', 'u32', dim),
    kv('llama.block_count', 'u32', blockCount),
    kv('llama.feed_forward_length', 'u32', ff),
    kv('llama.attention.head_count', 'u32', headCount),
    kv('llama.attention.head_count_kv', 'u32', headCount),
    kv('llama.rope.dimension_count', 'u32', dim / headCount),
    kv('llama.attention.layer_norm_rms_epsilon', 'f32', 1e-5),
    kv('llama.vocab_size', 'u32', vocabularySize),
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
  return buildGguf(
    metadata,
    tensors.map((tensor) => ({ name: tensor.name, dims: tensor.dims, type: GGML_TYPE.F32, data: f32Bytes(tensor.data) })),
  )
}
