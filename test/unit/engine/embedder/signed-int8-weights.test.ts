import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { convertToSignedInt8Weights } from '../../../../electron/engine/embedder/signed-int8-weights'
import { initializersOf, quantizedMatMulModel, runQuantizedMatMul, type QuantizedMatMulOptions } from '../../../support/quantized-matmul-model'

const { onnx } = createRequire(import.meta.url)('onnx-proto') as typeof import('onnx-proto')
const { UINT8, INT8 } = onnx.TensorProto.DataType

const K = 6
const N = 5
/** Weights spanning the whole uint8 range, so a flip that went wrong anywhere changes the product. */
const WEIGHTS = Uint8Array.from({ length: K * N }, (_, index) => (index * 53 + 7) % 256)
const ZERO_POINT = 131

const model = (options: Pick<QuantizedMatMulOptions, 'zeroPointAs' | 'sharedWeights'> = {}) =>
  quantizedMatMulModel({ k: K, n: N, weights: WEIGHTS, zeroPoint: ZERO_POINT, ...options })
const run = (bytes: Uint8Array) => runQuantizedMatMul(bytes, K)

describe('convertToSignedInt8Weights', () => {
  it('turns raw uint8 weights and zero point into int8 in place, with the same products', async () => {
    const original = model()
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
    const original = model({ zeroPointAs: 'int32' })
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
    const original = model({ sharedWeights: true })
    const result = convertToSignedInt8Weights(original.slice())
    // The zero point alone could change, but it must keep the weights' type: the pair stays.
    expect(result).toMatchObject({ converted: 0, reason: 'no MatMulInteger weights can be converted' })
    expect(initializersOf(result.bytes).get('w')!.dataType).toBe(UINT8)
    expect(initializersOf(result.bytes).get('w_zero')!.dataType).toBe(UINT8)
    await expect(run(result.bytes)).resolves.toHaveLength(N)
    expect([...(await run(result.bytes))]).toEqual([...(await run(original))])
  })

  it('reports a model without quantized weights and refuses bytes that are not protobuf', () => {
    const plain = onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, graph: { name: 'empty', node: [{ opType: 'Relu', input: ['x'], output: ['y'] }] } })).finish()
    expect(convertToSignedInt8Weights(plain)).toMatchObject({ converted: 0, reason: 'no uint8 MatMulInteger weights' })
    expect(() => convertToSignedInt8Weights(Uint8Array.of(0x0a, 0xff, 0xff))).toThrow()
  })
})
