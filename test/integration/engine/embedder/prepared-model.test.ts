import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { ModelLocation } from '../../../../electron/engine/embedder/model-location'
import { cpuHasVnni, prepareModel } from '../../../../electron/engine/embedder/prepared-model'
import { quantizedMatMulModel, runQuantizedMatMul } from '../../../support/quantized-matmul-model'
import { makeTempDir } from '../../../support/temp-dir'

const { onnx } = createRequire(import.meta.url)('onnx-proto') as typeof import('onnx-proto')
const { INT8 } = onnx.TensorProto.DataType

const quantizedModel = (seed: number) =>
  quantizedMatMulModel({ k: 8, n: 4, weights: Uint8Array.from({ length: 8 * 4 }, (_, index) => (index * 37 + seed) % 256), zeroPoint: 120 + seed, zeroPointAs: 'int32' })
const run = (file: string) => runQuantizedMatMul(file, 8)

function modelFolder(root: string, seed = 3): ModelLocation {
  const folder = path.join(root, 'models', 'org', 'tiny')
  fs.mkdirSync(path.join(folder, 'onnx'), { recursive: true })
  fs.writeFileSync(path.join(folder, 'config.json'), '{"model_type":"bert"}')
  fs.writeFileSync(path.join(folder, 'tokenizer.json'), '{}')
  fs.writeFileSync(path.join(folder, 'onnx', 'model_quantized.onnx'), quantizedModel(seed))
  return { modelId: 'org/tiny', source: 'org/tiny', folder, installed: true, dtype: 'q8' }
}

describe('prepareModel: int8 weights for VNNI kernels, made once beside the user models', () => {
  let temp: ReturnType<typeof makeTempDir>
  afterEach(() => temp?.cleanup())

  it('leaves fp32 models, models still to download, and CPUs without VNNI as shipped', async () => {
    temp = makeTempDir('notes-rag-prepared-')
    const location = modelFolder(temp.dir)
    const preparedDir = path.join(temp.dir, 'prepared')
    expect(await prepareModel({ ...location, dtype: 'fp32' }, preparedDir)).toEqual({ source: 'org/tiny', signedInt8: false })
    expect(await prepareModel({ ...location, installed: false }, preparedDir)).toEqual({ source: 'org/tiny', signedInt8: false })
    expect(fs.existsSync(preparedDir)).toBe(false)
    if (!cpuHasVnni()) {
      console.log('this CPU has no VNNI: the model is used as shipped, and the conversion tests below are skipped')
      expect(await prepareModel(location, preparedDir)).toEqual({ source: 'org/tiny', signedInt8: false })
      expect(fs.existsSync(preparedDir)).toBe(false)
    }
  })

  // CI and this development machine have AVX512-VNNI; elsewhere the model stays as shipped, which the test above checks.
  it.runIf(cpuHasVnni())('makes an int8 copy with the same outputs, reuses it, and makes it again when the source changes', async () => {
    temp = makeTempDir('notes-rag-prepared-')
    const location = modelFolder(temp.dir)
    const preparedDir = path.join(temp.dir, 'prepared')
    const first = await prepareModel(location, preparedDir)
    expect(first).toEqual({ source: path.join(preparedDir, 'org_tiny'), signedInt8: true })
    expect(fs.readdirSync(first.source).sort()).toEqual(['PREPARED.json', 'config.json', 'onnx', 'tokenizer.json'])
    const preparedFile = path.join(first.source, 'onnx', 'model_quantized.onnx')
    const tensors = onnx.ModelProto.decode(fs.readFileSync(preparedFile)).graph!.initializer!
    expect(tensors.map((tensor) => tensor.dataType)).toEqual([INT8, INT8])
    expect(await run(preparedFile)).toEqual(await run(path.join(location.folder, 'onnx', 'model_quantized.onnx')))

    // Unchanged source: the copy is reused as it is (a stale byte planted in it survives).
    const planted = fs.readFileSync(preparedFile)
    fs.writeFileSync(path.join(first.source, 'config.json'), '{"model_type":"bert","reused":true}')
    expect(await prepareModel(location, preparedDir)).toEqual(first)
    expect(fs.readFileSync(path.join(first.source, 'config.json'), 'utf8')).toContain('reused')
    expect(fs.readFileSync(preparedFile).equals(planted)).toBe(true)

    // A new download (other bytes, other mtime) is prepared again.
    const updated = modelFolder(temp.dir, 9)
    fs.utimesSync(path.join(updated.folder, 'onnx', 'model_quantized.onnx'), new Date(), new Date(Date.now() + 5_000))
    expect(await prepareModel(updated, preparedDir)).toEqual(first)
    expect(fs.readFileSync(path.join(first.source, 'config.json'), 'utf8')).not.toContain('reused')
    expect(await run(preparedFile)).toEqual(await run(path.join(updated.folder, 'onnx', 'model_quantized.onnx')))
    expect(fs.readdirSync(preparedDir)).toEqual(['org_tiny'])
  })

  it.runIf(cpuHasVnni())('keeps the model as shipped when the copy cannot be written, or the graph has nothing to convert', async () => {
    temp = makeTempDir('notes-rag-prepared-')
    const location = modelFolder(temp.dir)
    // A file where the folder should be: mkdir fails (root ignores permission bits, so a read-only folder would not).
    const blocked = path.join(temp.dir, 'blocked')
    fs.writeFileSync(blocked, 'not a folder')
    expect(await prepareModel(location, path.join(blocked, 'prepared'))).toEqual({ source: 'org/tiny', signedInt8: false })

    const plain = onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, graph: { name: 'lookup', node: [{ opType: 'Relu', input: ['x'], output: ['y'] }] } })).finish()
    fs.writeFileSync(path.join(location.folder, 'onnx', 'model_quantized.onnx'), plain)
    const preparedDir = path.join(temp.dir, 'prepared')
    expect(await prepareModel(location, preparedDir)).toEqual({ source: 'org/tiny', signedInt8: false })
    // Remembered, so the next start does not read the model again.
    expect(JSON.parse(fs.readFileSync(path.join(preparedDir, 'org_tiny', 'PREPARED.json'), 'utf8'))).toMatchObject({ converted: false })
  })
})
