import { createRequire } from 'node:module'
import * as ort from 'onnxruntime-node'

const { onnx } = createRequire(import.meta.url)('onnx-proto') as typeof import('onnx-proto')
const { FLOAT, UINT8 } = onnx.TensorProto.DataType
const castToFloat = (input: string, output: string) => ({
  opType: 'Cast',
  input: [input],
  output: [output],
  name: `cast_${input}`,
  attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }],
})
const floatValue = (name: string, dims: number[]) => ({ name, type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((dimValue) => ({ dimValue })) } } } })

export interface QuantizedMatMulOptions {
  /** Rows of the input and of the weights (K) and columns of the weights (N). */
  k: number
  n: number
  weights: Uint8Array
  zeroPoint: number
  /** How the weight zero point is stored: raw bytes, or int32_data (how ONNX Runtime's quantizer writes zero points). */
  zeroPointAs?: 'raw' | 'int32'
  /** Also feed the weights to another node (so they must stay uint8). */
  sharedWeights?: boolean
}

/**
 * The core of a Xenova int8 projection: x (float [1, K]) -> DynamicQuantizeLinear -> MatMulInteger against uint8
 * weights W [K, N] -> Cast to float, as `y`. Small enough to check a weight rewrite by running it.
 */
export function quantizedMatMulModel(options: QuantizedMatMulOptions): Uint8Array {
  const { k, n } = options
  const zeroPoint =
    options.zeroPointAs === 'int32'
      ? { name: 'w_zero', dataType: UINT8, dims: [], int32Data: [options.zeroPoint] }
      : { name: 'w_zero', dataType: UINT8, dims: [], rawData: Uint8Array.of(options.zeroPoint) }
  const nodes: import('onnx-proto').onnx.INodeProto[] = [
    { opType: 'DynamicQuantizeLinear', input: ['x'], output: ['xq', 'x_scale', 'x_zero'], name: 'quantize' },
    { opType: 'MatMulInteger', input: ['xq', 'w', 'x_zero', 'w_zero'], output: ['product'], name: 'matmul' },
    castToFloat('product', 'y'),
  ]
  const outputs = [floatValue('y', [1, n])]
  if (options.sharedWeights) {
    nodes.push(castToFloat('w', 'w_float'))
    outputs.push(floatValue('w_float', [k, n]))
  }
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'projection',
        node: nodes,
        initializer: [{ name: 'w', dataType: UINT8, dims: [k, n], rawData: options.weights.slice() }, zeroPoint],
        input: [floatValue('x', [1, k])],
        output: outputs,
      },
    }),
  ).finish()
}

/** Runs such a model (bytes or file) on a fixed input of K values spanning negative and positive. */
export async function runQuantizedMatMul(model: Uint8Array | string, k: number): Promise<number[]> {
  // Two calls for the two overloads (a path, or bytes): TypeScript takes no union here.
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model) : await ort.InferenceSession.create(model)
  try {
    const x = Float32Array.from({ length: k }, (_, index) => Math.sin(index * 1.7) * 3)
    const output = await session.run({ x: new ort.Tensor('float32', x, [1, k]) })
    return [...(output.y.data as Float32Array)]
  } finally {
    await session.release()
  }
}

export const initializersOf = (model: Uint8Array) => new Map(onnx.ModelProto.decode(model).graph!.initializer!.map((tensor) => [tensor.name!, tensor]))
