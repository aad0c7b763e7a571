// A stand-in worker entry that loads "successfully" and then dies on the first embed request, as a native crash would.
import { parentPort } from 'node:worker_threads'
import type { EmbeddingWorkerMessage, EmbeddingWorkerRequest } from '../../../../electron/engine/embedder/worker-protocol'

parentPort?.postMessage({ type: 'loaded', dimensions: 64 } satisfies EmbeddingWorkerMessage)
parentPort?.on('message', (request: EmbeddingWorkerRequest) => {
  if (request.type === 'embed') process.exit(13)
})
