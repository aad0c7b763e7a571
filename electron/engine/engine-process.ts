// Entry of the engine utilityProcess. It must not import `electron`: the parentPort is typed structurally.
import { Engine } from './engine'
import type { ElectronMessagePortLike, ParentPortLike } from '../../shared/rpc/port-adapters'
import { serveEngineOverParentPort } from './rpc/engine-service'

const parentPort = (process as NodeJS.Process & { parentPort?: ParentPortLike<ElectronMessagePortLike> }).parentPort
if (!parentPort) {
  console.error('[engine] engine-process must run in an Electron utilityProcess')
  process.exit(1)
}

serveEngineOverParentPort(
  parentPort,
  (options) =>
    Engine.open({
      ...options,
      // The bundled embedding worker sits beside this file in out/main (see electron.vite.config.ts).
      embedWorkerUrl: new URL('./embedding-worker.js', import.meta.url),
      // Set by main for a packaged app: the default embedding model ships in its resources.
      bundledModelsDir: process.env.NOTES_RAG_BUNDLED_MODELS_DIR,
      // A CLI `index` or `watch` holding the data dir makes the open fail with its name; the host retries with backoff.
      lockCommand: 'notes-rag app',
    }),
  (code) => process.exit(code),
)
