import { createRequire } from 'node:module'
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { convertToSignedInt8Weights } from '../../../../electron/engine/embedder/signed-int8-weights'

const { onnx } = createRequire(import.meta.url)('onnx-proto') as typeof import('onnx-proto')
const { FLOAT, UINT8, INT8 } = onnx.TensorProto.DataType

const K = 6
const N = 5
/** Weights spanning the whole uint8 range, so a flip that went wrong anywhere changes the product. */
const WEIGHTS = Uint8Array.from({ length: K * N }, (_, index) => (index * 53 + 7) % 256)
const ZERO_POINT = 131

interface GraphOptions {
  /** How the weight zero point is stored: raw bytes, or int32_data (ONNX Runtime's quantizer writes zero points so). */
  zeroPointAs?: 'raw' | 'int32'
  /** Also feed the weights to another node (so they must stay uint8). */
  sharedWeights?: boolean
}

/** x (float [2, K]) -> DynamicQuantizeLinear -> MatMulInteger(uint8 W [K, N]) -> Cast float: the Xenova projection core. */
function quantizedMatMulModel(options: GraphOptions = {}): Uint8Array {
  const zeroPoint =
    options.zeroPointAs === 'int32'
      ? { name: 'w_zero', dataType: UINT8, dims: [], int32Data: [ZERO_POINT] }
      : { name: 'w_zero', dataType: UINT8, dims: [], rawData: Uint8Array.of(ZERO_POINT) }
  const nodes: import('onnx-proto').onnx.INodeProto[] = [
    { opType: 'DynamicQuantizeLinear', input: ['x'], output: ['xq', 'x_scale', 'x_zero'], name: 'quantize' },
    { opType: 'MatMulInteger', input: ['xq', 'w', 'x_zero', 'w_zero'], output: ['product'], name: 'matmul' },
    { opType: 'Cast', input: ['product'], output: ['y'], name: 'cast', attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }] },
  ]
  const outputs = [{ name: 'y', type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimValue: 2 }, { dimValue: N }] } } } }]
  if (options.sharedWeights) {
    nodes.push({ opType: 'Cast', input: ['w'], output: ['w_float'], name: 'cast_weights', attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }] })
    outputs.push({ name: 'w_float', type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimValue: K }, { dimValue: N }] } } } })
  }
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'projection',
        node: nodes,
        initializer: [{ name: 'w', dataType: UINT8, dims: [K, N], rawData: WEIGHTS.slice() }, zeroPoint],
        input: [{ name: 'x', type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimValue: 2 }, { dimValue: K }] } } } }],
        output: outputs,
      },
    }),
  ).finish()
}

async function run(model: Uint8Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model)
  try {
    const x = Float32Array.from({ length: 2 * K }, (_, index) => Math.sin(index * 1.7) * 3)
    const output = await session.run({ x: new ort.Tensor('float32', x, [2, K]) })
    return output.y.data as Float32Array
  } finally {
    await session.release()
  }
}

function initializersOf(model: Uint8Array) {
  return new Map(onnx.ModelProto.decode(model).graph!.initializer!.map((tensor) => [tensor.name!, tensor]))
}

describe('convertToSignedInt8Weights', () => {
  it('turns raw uint8 weights and zero point into int8 in place, with the same products', async () => {
    const original = quantizedMatMulModel()
    const expected = await run(original)
    const copy = original.slice()
    const result = convertToSignedInt8Weights(copy)
    expect(result).toMatchObject({ converted: 2, reason: null })
    expect(result.bytes).toBe(copy)
    expect(result.bytes.length).toBe(original.length)
    const tensors = initializersOf(result.bytes)
    expect(tensors.get('w')!.dataType).toBe(INT8)
    expect([...tensors.get('w')!.rawData!]).toEqual([...WEIGHTS].map((value) => value - 128).map((value) => value & 0xff))
    expect(new Int8Array(tensors.get('w_zero')!.rawData!.buffer, tensors.get('w_zero')!.rawData!.byteOffset, 1)[0]).toBe(ZERO_POINT - 128)
    expect([...(await run(result.bytes))]).toEqual([...expected])
  })

  it('rewrites a zero point kept as int32_data into raw int8 bytes, re-encoding the lengths around it', async () => {
    const original = quantizedMatMulModel({ zeroPointAs: 'int32' })
    const expected = await run(original)
    const result = convertToSignedInt8Weights(original.slice())
    expect(result).toMatchObject({ converted: 2, reason: null })
    const zero = initializersOf(result.bytes).get('w_zero')!
    expect(zero.dataType).toBe(INT8)
    expect(zero.int32Data ?? []).toEqual([])
    expect([...zero.rawData!]).toEqual([(ZERO_POINT - 128) & 0xff])
    expect([...(await run(result.bytes))]).toEqual([...expected])
  })

  it('leaves weights another node reads as they were, and says why', async () => {
    const original = quantizedMatMulModel({ sharedWeights: true })
    const result = convertToSignedInt8Weights(original.slice())
    // The zero point alone could change, but it must keep the weights' type: the pair stays.
    expect(result).toMatchObject({ converted: 0, reason: 'no MatMulInteger weights can be converted' })
    expect(initializersOf(result.bytes).get('w')!.dataType).toBe(UINT8)
    expect(initializersOf(result.bytes).get('w_zero')!.dataType).toBe(UINT8)
    await expect(run(result.bytes)).resolves.toHaveLength(2 * N)
    expect([...(await run(result.bytes))]).toEqual([...(await run(original))])
  })

  it('reports a model without quantized weights and refuses bytes that are not protobuf', () => {
    const plain = onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, graph: { name: 'empty', node: [{ opType: 'Relu', input: ['x'], output: ['y'] }] } })).finish()
    expect(convertToSignedInt8Weights(plain)).toMatchObject({ converted: 0, reason: 'no uint8 MatMulInteger weights' })
    expect(() => convertToSignedInt8Weights(Uint8Array.of(0x0a, 0xff, 0xff))).toThrow()
  })
})
