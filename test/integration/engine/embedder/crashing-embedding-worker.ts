// A stand-in worker entry that loads "successfully" and then dies on the first embed request, as a native crash would.
import { parentPort } from 'node:worker_threads'
import { fromNodeMessagePort } from '../../../../shared/rpc/port-adapters'
import { createRpcServer } from '../../../../shared/rpc/rpc-server'
import type { EmbeddingWorkerMethods } from '../../../../electron/engine/embedder/worker-protocol'

if (!parentPort) throw new Error('must run in a worker thread')
createRpcServer(fromNodeMessagePort(parentPort), async (method) => {
  if (method === ('loaded' satisfies keyof EmbeddingWorkerMethods)) return 64
  process.exit(13)
})
