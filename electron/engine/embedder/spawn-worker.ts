import { Worker } from 'node:worker_threads'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

/** The ESM build of tsx's register API; require.resolve would give its CommonJS build, which cannot register hooks. */
function tsxEsmApiUrl(): string {
  const require = createRequire(import.meta.url)
  const manifestPath = require.resolve('tsx/package.json')
  const manifest = require(manifestPath) as { exports: Record<string, { import: { default: string } }> }
  return pathToFileURL(join(dirname(manifestPath), manifest.exports['./esm/api'].import.default)).href
}

/** The embedding worker beside this module: a `.ts` source under vitest and tsx, the built `.js` in a build (out/cli). */
export function defaultEmbeddingWorkerUrl(): URL {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
  return new URL(`./embedding-worker${extension}`, import.meta.url)
}

/**
 * Starts a worker from a `.js` file, or from a `.ts` source (tests, tsx) through a small bootstrap that registers
 * tsx's loader inside the worker first: loaders registered on the parent thread do not reach worker threads.
 */
export function spawnWorker(entry: URL, workerData: unknown): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData })
  const bootstrap = `import(${JSON.stringify(tsxEsmApiUrl())}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}) })`
  return new Worker(bootstrap, { eval: true, workerData })
}
