import { createRequire } from 'node:module'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomBytes } from 'node:crypto'
import { seededRandom } from './seeded-random'
import { buildTinyTokenizerJson, buildTinyVocabulary } from './tiny-embedding-model'

// onnx-proto is CommonJS whose exports static analysis cannot see; require keeps its types and its runtime shape.
const { onnx } = createRequire(import.meta.url)('onnx-proto') as typeof import('onnx-proto')

/**
 * A BERT encoder with bge-small-en-v1.5's exact shape and seeded random weights: what a user's laptop really pays per
 * passage, through the same Transformers.js path as the downloaded model. Its vectors mean nothing.
 */
export const BGE_SHAPE = {
  layers: 12,
  hidden: 384,
  heads: 12,
  intermediate: 1536,
  vocabulary: 30_522,
  positions: 512,
  typeVocabulary: 2,
} as const

/** Bump when the generated files change so every cached copy is rebuilt. */
export const BGE_SHAPE_MODEL_VERSION = 'bge-small-shape-v1'
export const BGE_SHAPE_MODEL_ID = 'bench/bge-small-shape'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const defaultModelsDir = join(repoRoot, '.cache', 'bench-models')

/**
 * FLOPs of one forward pass over `tokens` positions (multiply-adds counted as two): the dense projections and the
 * attention products. LayerNorm, softmax and GELU are a few percent and left out, so this is a floor on the work.
 */
export function bgeShapeFlops(tokens: number): number {
  const { layers, hidden, intermediate } = BGE_SHAPE
  const dense = 2 * tokens * (4 * hidden * hidden + 2 * hidden * intermediate)
  const attention = 2 * 2 * tokens * tokens * hidden
  return layers * (dense + attention)
}

/**
 * 30,522 WordPiece entries laid out as BERT's are ([PAD], [unused*], [UNK], [CLS], [SEP], [MASK] at their usual ids
 * would not matter to cost, so the tiny model's specials come first), then whole words, letter pairs and triples and
 * their `##` continuations until the real size is reached: WordPiece does the same longest-match work as on the
 * real vocabulary.
 */
export function buildBgeShapeVocabulary(): string[] {
  const vocabulary = buildTinyVocabulary()
  const seen = new Set(vocabulary)
  const letters = 'abcdefghijklmnopqrstuvwxyz'
  const add = (token: string): void => {
    if (vocabulary.length >= BGE_SHAPE.vocabulary || seen.has(token)) return
    seen.add(token)
    vocabulary.push(token)
  }
  for (const a of letters) for (const b of letters) for (const c of letters) add(a + b + c)
  for (const a of letters) for (const b of letters) for (const c of letters) add(`##${a}${b}${c}`)
  for (let index = 0; vocabulary.length < BGE_SHAPE.vocabulary; index++) add(`[unused${index}]`)
  return vocabulary
}

type Initializer = { name: string; dataType: number; dims: number[]; rawData: Uint8Array }
type Attribute = import('onnx-proto').onnx.IAttributeProto
type Node = { opType: string; input: string[]; output: string[]; name: string; attribute?: Attribute[] }

/** Builds the graph once; `quantized` writes the dense projections the way ONNX Runtime's `quantize_dynamic` does. */
class GraphBuilder {
  readonly nodes: Node[] = []
  readonly initializers: Initializer[] = []
  private counter = 0
  private readonly random: () => number

  constructor(seed: number, private readonly quantized: boolean) {
    this.random = seededRandom(seed)
  }

  private name(prefix: string): string {
    this.counter += 1
    return `${prefix}_${this.counter}`
  }

  node(opType: string, input: string[], attribute: Attribute[] = [], outputs = 1): string[] {
    const output = Array.from({ length: outputs }, () => this.name(opType.toLowerCase()))
    this.nodes.push({ opType, input, output, name: this.name(`n_${opType}`), attribute })
    return output
  }

  one(opType: string, input: string[], attribute: Attribute[] = []): string {
    return this.node(opType, input, attribute)[0]
  }

  private tensor(prefix: string, dataType: number, dims: number[], bytes: Uint8Array): string {
    const name = this.name(prefix)
    this.initializers.push({ name, dataType, dims, rawData: bytes })
    return name
  }

  floats(prefix: string, dims: number[], values: Float32Array): string {
    return this.tensor(prefix, onnx.TensorProto.DataType.FLOAT, dims, new Uint8Array(values.buffer, values.byteOffset, values.byteLength))
  }

  int64s(prefix: string, dims: number[], values: number[]): string {
    const data = BigInt64Array.from(values.map((value) => BigInt(value)))
    return this.tensor(prefix, onnx.TensorProto.DataType.INT64, dims, new Uint8Array(data.buffer))
  }

  scalar(prefix: string, value: number): string {
    return this.floats(prefix, [], Float32Array.of(value))
  }

  /** BERT's initialisation: normal with standard deviation 0.02. */
  normal(count: number, std = 0.02): Float32Array {
    const values = new Float32Array(count)
    for (let index = 0; index < count; index += 2) {
      const radius = Math.sqrt(-2 * Math.log(1 - this.random()))
      const angle = 2 * Math.PI * this.random()
      values[index] = std * radius * Math.cos(angle)
      if (index + 1 < count) values[index + 1] = std * radius * Math.sin(angle)
    }
    return values
  }

  filled(count: number, value: number): Float32Array {
    return new Float32Array(count).fill(value)
  }

  /** x[..., k] @ W[k, n] + b, with W random; int8 dynamic quantization when the graph is quantized. */
  dense(x: string, inputs: number, outputs: number): string {
    const weights = this.normal(inputs * outputs)
    const bias = this.floats('bias', [outputs], this.normal(outputs))
    if (!this.quantized) return this.one('Add', [this.one('MatMul', [x, this.floats('weight', [inputs, outputs], weights)]), bias])

    // Per-tensor asymmetric uint8, the layout of the Xenova `model_quantized.onnx` files: DynamicQuantizeLinear on
    // the activations, MatMulInteger, then the two scales multiplied back in.
    let min = 0
    let max = 0
    for (const value of weights) {
      if (value < min) min = value
      if (value > max) max = value
    }
    const scale = (max - min) / 255
    const zeroPoint = Math.round(-min / scale)
    const quantizedWeights = new Uint8Array(weights.length)
    for (let index = 0; index < weights.length; index++) {
      quantizedWeights[index] = Math.max(0, Math.min(255, Math.round(weights[index] / scale) + zeroPoint))
    }
    const weightName = this.tensor('weight_quantized', onnx.TensorProto.DataType.UINT8, [inputs, outputs], quantizedWeights)
    const weightZero = this.tensor('weight_zero_point', onnx.TensorProto.DataType.UINT8, [], Uint8Array.of(zeroPoint))
    const weightScale = this.scalar('weight_scale', scale)
    const [xQuantized, xScale, xZero] = this.node('DynamicQuantizeLinear', [x], [], 3)
    const product = this.one('MatMulInteger', [xQuantized, weightName, xZero, weightZero])
    const asFloat = this.one('Cast', [product], [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: onnx.TensorProto.DataType.FLOAT }])
    const scaled = this.one('Mul', [asFloat, this.one('Mul', [xScale, weightScale])])
    return this.one('Add', [scaled, bias])
  }

  layerNorm(x: string): string {
    const { hidden } = BGE_SHAPE
    return this.one('LayerNormalization', [x, this.floats('ln_gamma', [hidden], this.filled(hidden, 1)), this.floats('ln_beta', [hidden], this.filled(hidden, 0))], [
      { name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 },
      { name: 'epsilon', type: onnx.AttributeProto.AttributeType.FLOAT, f: 1e-12 },
    ])
  }
}

function intAttribute(name: string, value: number) {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value }
}

function intsAttribute(name: string, values: number[]) {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: values }
}

function tensorValueInfo(name: string, elemType: number, dims: Array<string | number>) {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((dim) => (typeof dim === 'string' ? { dimParam: dim } : { dimValue: dim })) } } },
  }
}

/** The whole encoder as an ONNX model (opset 17: LayerNormalization is one op, as in current exports). */
export function buildBgeShapeOnnxModel(options: { quantized: boolean; seed?: number }): Uint8Array {
  const { layers, hidden, heads, intermediate, vocabulary, positions, typeVocabulary } = BGE_SHAPE
  const headSize = hidden / heads
  const { FLOAT, INT64 } = onnx.TensorProto.DataType
  const g = new GraphBuilder(options.seed ?? 20_241_202, options.quantized)

  // Embeddings: word + position + token type, then LayerNorm.
  const words = g.one('Gather', [g.floats('word_embeddings', [vocabulary, hidden], g.normal(vocabulary * hidden)), 'input_ids'], [intAttribute('axis', 0)])
  const shape = g.one('Shape', ['input_ids'])
  const sequence = g.one('Gather', [shape, g.int64s('one_index', [], [1])], [intAttribute('axis', 0)])
  const positionIds = g.one('Range', [g.int64s('zero', [], [0]), sequence, g.int64s('step', [], [1])])
  const positionsEmbedded = g.one('Gather', [g.floats('position_embeddings', [positions, hidden], g.normal(positions * hidden)), positionIds], [intAttribute('axis', 0)])
  const types = g.one('Gather', [g.floats('token_type_embeddings', [typeVocabulary, hidden], g.normal(typeVocabulary * hidden)), 'token_type_ids'], [intAttribute('axis', 0)])
  let x = g.layerNorm(g.one('Add', [g.one('Add', [words, positionsEmbedded]), types]))

  // Additive mask [batch, 1, 1, sequence]: 0 where attended, -10000 at padding.
  const maskFloat = g.one('Cast', ['attention_mask'], [intAttribute('to', FLOAT)])
  const inverted = g.one('Sub', [g.scalar('one', 1), maskFloat])
  const additiveMask = g.one('Unsqueeze', [g.one('Mul', [inverted, g.scalar('mask_value', -10_000)]), g.int64s('mask_axes', [2], [1, 2])])

  const headsShape = g.int64s('heads_shape', [4], [0, 0, heads, headSize])
  const mergedShape = g.int64s('merged_shape', [3], [0, 0, hidden])
  const attentionScale = g.scalar('attention_scale', 1 / Math.sqrt(headSize))
  const half = g.scalar('half', 0.5)
  const sqrtTwo = g.scalar('sqrt_two', Math.SQRT2)
  const one = g.scalar('gelu_one', 1)

  for (let layer = 0; layer < layers; layer++) {
    const split = (projection: string, perm: number[]) => g.one('Transpose', [g.one('Reshape', [projection, headsShape])], [intsAttribute('perm', perm)])
    const query = split(g.dense(x, hidden, hidden), [0, 2, 1, 3])
    const key = split(g.dense(x, hidden, hidden), [0, 2, 3, 1])
    const value = split(g.dense(x, hidden, hidden), [0, 2, 1, 3])
    const scores = g.one('Add', [g.one('Mul', [g.one('MatMul', [query, key]), attentionScale]), additiveMask])
    const probabilities = g.one('Softmax', [scores], [intAttribute('axis', -1)])
    const context = g.one('Reshape', [g.one('Transpose', [g.one('MatMul', [probabilities, value])], [intsAttribute('perm', [0, 2, 1, 3])]), mergedShape])
    const attended = g.layerNorm(g.one('Add', [g.dense(context, hidden, hidden), x]))
    // GELU, the exact (erf) form BERT uses; ONNX Runtime fuses this pattern into one kernel.
    const up = g.dense(attended, hidden, intermediate)
    const gelu = g.one('Mul', [g.one('Mul', [up, half]), g.one('Add', [g.one('Erf', [g.one('Div', [up, sqrtTwo])]), one])])
    x = g.layerNorm(g.one('Add', [g.dense(gelu, intermediate, hidden), attended]))
  }
  g.nodes.push({ opType: 'Identity', input: [x], output: ['last_hidden_state'], name: 'output' })

  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'notes-rag-bench',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: options.quantized ? 'bge-small-shape-int8' : 'bge-small-shape',
      node: g.nodes,
      initializer: g.initializers,
      input: [
        tensorValueInfo('input_ids', INT64, ['batch', 'sequence']),
        tensorValueInfo('attention_mask', INT64, ['batch', 'sequence']),
        tensorValueInfo('token_type_ids', INT64, ['batch', 'sequence']),
      ],
      output: [tensorValueInfo('last_hidden_state', FLOAT, ['batch', 'sequence', hidden])],
    },
  })
  return onnx.ModelProto.encode(model).finish()
}

/** Every file of the model folder, by relative path: both ONNX variants, config and the WordPiece tokenizer. */
export function buildBgeShapeModelFiles(): Map<string, Uint8Array | string> {
  const vocabulary = buildBgeShapeVocabulary()
  const files = new Map<string, Uint8Array | string>()
  files.set('onnx/model.onnx', buildBgeShapeOnnxModel({ quantized: false }))
  files.set('onnx/model_quantized.onnx', buildBgeShapeOnnxModel({ quantized: true }))
  files.set(
    'config.json',
    JSON.stringify(
      {
        model_type: 'bert',
        architectures: ['BertModel'],
        hidden_size: BGE_SHAPE.hidden,
        intermediate_size: BGE_SHAPE.intermediate,
        num_attention_heads: BGE_SHAPE.heads,
        num_hidden_layers: BGE_SHAPE.layers,
        vocab_size: BGE_SHAPE.vocabulary,
        max_position_embeddings: BGE_SHAPE.positions,
        type_vocab_size: BGE_SHAPE.typeVocabulary,
        hidden_act: 'gelu',
        layer_norm_eps: 1e-12,
        pad_token_id: 0,
      },
      null,
      2,
    ),
  )
  files.set('tokenizer.json', JSON.stringify(buildTinyTokenizerJson(vocabulary)))
  files.set(
    'tokenizer_config.json',
    JSON.stringify(
      {
        tokenizer_class: 'BertTokenizer',
        do_lower_case: true,
        model_max_length: BGE_SHAPE.positions,
        cls_token: '[CLS]',
        sep_token: '[SEP]',
        pad_token: '[PAD]',
        unk_token: '[UNK]',
        mask_token: '[MASK]',
        clean_up_tokenization_spaces: true,
      },
      null,
      2,
    ),
  )
  return files
}

export interface BgeShapeModel {
  /** Folder to use as `modelsDir` (hub layout: <modelsDir>/<org>/<name>/). */
  modelsDir: string
  modelId: string
  modelDir: string
}

async function readVersion(modelDir: string): Promise<string | null> {
  return readFile(join(modelDir, 'VERSION'), 'utf8').then(
    (text) => text.trim(),
    () => null,
  )
}

/** Writes the model once into `<repo>/.cache/bench-models/<modelId>/` (about 170 MB), atomically by rename. */
export async function ensureBgeShapeModel(modelsDir = defaultModelsDir): Promise<BgeShapeModel> {
  const modelDir = join(modelsDir, BGE_SHAPE_MODEL_ID)
  const result = { modelsDir, modelId: BGE_SHAPE_MODEL_ID, modelDir }
  if ((await readVersion(modelDir)) === BGE_SHAPE_MODEL_VERSION) return result
  const staging = `${modelDir}.staging-${process.pid}-${randomBytes(4).toString('hex')}`
  try {
    for (const [relativePath, content] of buildBgeShapeModelFiles()) {
      const target = join(staging, relativePath)
      await mkdir(dirname(target), { recursive: true })
      await writeFile(target, content)
    }
    await writeFile(join(staging, 'VERSION'), BGE_SHAPE_MODEL_VERSION)
    await rm(modelDir, { recursive: true, force: true })
    await mkdir(dirname(modelDir), { recursive: true })
    await rename(staging, modelDir)
    return result
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
}
