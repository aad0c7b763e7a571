import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isModelInstalled, locateModel } from '../../../../electron/engine/embedder/model-location'

describe('model location on disk', () => {
  let modelsDir: string
  const place = async (model: string, files: string[]): Promise<void> => {
    for (const file of files) {
      await mkdir(join(modelsDir, model, file, '..'), { recursive: true })
      await writeFile(join(modelsDir, model, file), 'x')
    }
  }
  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), 'model-location-'))
    await place('org/full', ['config.json', 'onnx/model.onnx'])
    await place('org/both', ['config.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx'])
    await place('org/half-downloaded', ['config.json'])
  })
  afterAll(async () => {
    await rm(modelsDir, { recursive: true, force: true })
  })

  it.each([
    ['org/full', true, 'fp32'],
    ['org/both', true, 'q8'],
    ['org/half-downloaded', false, null],
    ['org/absent', false, null],
  ] as const)('%s', async (model, installed, dtype) => {
    expect(isModelInstalled(model, modelsDir)).toBe(installed)
    expect(isModelInstalled(join(modelsDir, model), '/unused')).toBe(installed)
    const located = await locateModel({ model, modelsDir, allowDownload: false, remoteHost: 'http://127.0.0.1:9/' }).catch((error: { code: string }) => error.code)
    expect(located).toEqual(installed ? { modelId: model, source: model, folder: join(modelsDir, model), installed: true, dtype } : 'model-missing')
  })
})
