import { existsSync } from 'node:fs'
import { basename, isAbsolute, join } from 'node:path'
import { BrainError, errorMessage, abortedError } from '../../../shared/errors'

/** Where a model's files are, whether they are all there, and which ONNX variant to run. */
export interface ModelLocation {
  /** Shown in `EmbedderInfo.modelId`: the hub id, or the folder name of a local path. */
  modelId: string
  /** What Transformers.js is given: the hub id, or the absolute folder. */
  source: string
  /** The folder the files are (or will be, once downloaded) in. */
  folder: string
  installed: boolean
  dtype: 'q8' | 'fp32'
}

/** The int8 variant's path inside a model folder (the Xenova layout); a hub URL path too. */
export const QUANTIZED_FILE = 'onnx/model_quantized.onnx'
const FULL_FILE = 'onnx/model.onnx'
// The same shape Transformers.js accepts as a hub id: "org/name" or "name".
const HUB_ID = /^(?:[A-Za-z0-9][\w.-]*\/)?[A-Za-z0-9][\w.-]*$/

/**
 * Three stat calls, made synchronously on purpose: with no I/O wait between the engine asking for the model and the
 * worker thread starting, the worker starts before LanceDB's modules load on this thread (see Engine.open).
 */
function localVariant(folder: string): 'q8' | 'fp32' | null {
  if (!existsSync(join(folder, 'config.json'))) return null
  if (existsSync(join(folder, QUANTIZED_FILE))) return 'q8'
  if (existsSync(join(folder, FULL_FILE))) return 'fp32'
  return null
}

/** Whether the hub has the quantized file; a HEAD request so nothing is downloaded twice. */
async function remoteHasQuantized(remoteHost: string, modelId: string, signal?: AbortSignal): Promise<boolean> {
  const base = remoteHost.endsWith('/') ? remoteHost : `${remoteHost}/`
  const url = `${base}${modelId}/resolve/main/${QUANTIZED_FILE}`
  try {
    const response = await fetch(url, { method: 'HEAD', signal, redirect: 'follow' })
    if (response.ok) return true
    if (response.status === 404) return false
    throw new BrainError('model-download-failed', `HTTP ${response.status} for ${url}`, { retryable: true, details: { status: response.status } })
  } catch (error) {
    if (signal?.aborted) throw abortedError(error)
    throw new BrainError('model-download-failed', `Could not reach the model host ${base}: ${errorMessage(error)}`, {
      retryable: true,
      cause: error,
      details: { url },
    })
  }
}

/**
 * Finds `model` locally (an absolute folder, or `<modelsDir>/<hub id>`), and when it is not there decides whether it
 * can be downloaded. Throws `model-missing` when it is neither local nor downloadable.
 */
export async function locateModel(
  options: { model: string; modelsDir: string; allowDownload: boolean; remoteHost: string },
  signal?: AbortSignal,
): Promise<ModelLocation> {
  const { model, modelsDir } = options
  if (isAbsolute(model)) {
    const variant = localVariant(model)
    if (!variant) {
      throw new BrainError('model-missing', `No embedding model at ${model} (expected config.json and ${FULL_FILE} or ${QUANTIZED_FILE}).`, {
        details: { path: model },
      })
    }
    return { modelId: basename(model), source: model, folder: model, installed: true, dtype: variant }
  }
  if (!HUB_ID.test(model) || model.includes('..') || model.includes('--')) {
    throw new BrainError('invalid-input', `"${model}" is neither a model id like "Xenova/bge-small-en-v1.5" nor an absolute folder path.`)
  }
  const folder = join(modelsDir, model)
  const variant = localVariant(folder)
  if (variant) return { modelId: model, source: model, folder, installed: true, dtype: variant }
  if (!options.allowDownload) {
    throw new BrainError('model-missing', `The embedding model ${model} is not in ${modelsDir} and downloading is turned off.`, {
      details: { model, path: folder },
    })
  }
  const dtype = (await remoteHasQuantized(options.remoteHost, model, signal)) ? 'q8' : 'fp32'
  return { modelId: model, source: model, folder, installed: false, dtype }
}

/** Whether `model` (hub id or absolute folder) is complete on disk, so loading it needs no network. */
export function isModelInstalled(model: string, modelsDir: string): boolean {
  const folder = isAbsolute(model) ? model : join(modelsDir, model)
  return existsSync(join(folder, 'config.json')) && (existsSync(join(folder, QUANTIZED_FILE)) || existsSync(join(folder, FULL_FILE)))
}
