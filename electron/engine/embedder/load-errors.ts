import { BrainError, type ErrorData, errorMessage } from '../../../shared/errors'

// onnxruntime and the JSON parser word these failures like this when a file is truncated or not what it claims.
const CORRUPT_FILE = /Load model from .* failed|Protobuf parsing failed|ModelProto|not valid JSON|Unexpected (token|end of JSON)|Deserialize tensor/i
const OUT_OF_MEMORY = /bad_alloc|out of memory|Failed to allocate/i

/** Turns whatever Transformers.js threw while loading into the engine's error codes. */
export function classifyLoadError(error: unknown, downloading: boolean): ErrorData {
  if (BrainError.is(error)) return error.toData()
  const message = errorMessage(error)
  if (OUT_OF_MEMORY.test(message)) {
    return new BrainError('model-insufficient-memory', `Not enough memory to load the embedding model: ${message}`).toData()
  }
  if (CORRUPT_FILE.test(message)) {
    return new BrainError('model-corrupt', `The embedding model's files are damaged or incomplete: ${message}`, {
      details: { reason: message },
    }).toData()
  }
  if (downloading) {
    return new BrainError('model-download-failed', `Downloading the embedding model failed: ${message}`, {
      retryable: true,
      details: { reason: message },
    }).toData()
  }
  return new BrainError('model-load-failed', `The embedding model could not be loaded: ${message}`, { details: { reason: message } }).toData()
}
