import { describe, expect, it } from 'vitest'
import { BrainError } from '../../../../shared/errors'
import { classifyLoadError } from '../../../../electron/engine/embedder/load-errors'

// Messages as Transformers.js 4 / onnxruntime-node 1.30 / undici produce them (captured on this machine).
describe('classifyLoadError', () => {
  it.each([
    ['Load model from /m/onnx/model.onnx failed:Protobuf parsing failed.', false, 'model-corrupt', false],
    ['Load model from /m/onnx/model.onnx failed:Protobuf parsing failed.', true, 'model-corrupt', false],
    ['Unexpected token \'<\', "<html>" is not valid JSON', true, 'model-corrupt', false],
    ['terminated', true, 'model-download-failed', true],
    ['fetch failed', true, 'model-download-failed', true],
    ['Could not locate file: "http://127.0.0.1:1/a/b/resolve/main/config.json".', true, 'model-download-failed', true],
    ['std::bad_alloc', false, 'model-insufficient-memory', false],
    ['something else entirely', false, 'model-load-failed', false],
  ] as const)('%s (downloading: %s) -> %s', (message, downloading, code, retryable) => {
    const data = classifyLoadError(new Error(message), downloading)
    expect(data.code).toBe(code)
    expect(data.retryable).toBe(retryable)
    expect(data.message).toContain(message)
  })

  it('keeps a BrainError as it is', () => {
    const error = new BrainError('aborted', 'Stopped.', { retryable: true })
    expect(classifyLoadError(error, true)).toEqual(error.toData())
  })
})
