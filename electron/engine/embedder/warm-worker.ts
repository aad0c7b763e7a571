// One embedding worker started before the engine knows its model: a short-lived command (a CLI search) starts it
// first thing, so the thread's start and the import of Transformers.js and onnxruntime (about a third of a second)
// run while this thread still loads the engine's modules and opens its stores. `createEmbedder` takes it and sends
// the model's settings as its first call. This module stays light: the CLI loads it before the engine.
import type { Worker } from 'node:worker_threads'
import { defaultEmbeddingWorkerUrl, spawnWorker } from './spawn-worker'

interface WarmWorker {
  entry: string
  worker: Worker
  /** Drops the worker if it fails before anyone took it (the engine then spawns one as usual). */
  onError: (error: Error) => void
}

let warm: WarmWorker | null = null

/**
 * Starts the warm worker (once; a second call while one waits does nothing). Until taken it does not keep the
 * process alive, so a command that never embeds exits as before.
 */
export function startWarmEmbeddingWorker(entry: URL = defaultEmbeddingWorkerUrl()): void {
  if (warm) return
  const worker = spawnWorker(entry, null)
  worker.unref()
  const onError = (error: Error): void => {
    console.warn('[embedder] the warm embedding worker failed; a new one will start', error)
    if (warm?.worker === worker) warm = null
  }
  worker.once('error', onError)
  worker.once('exit', () => {
    if (warm?.worker === worker) warm = null
  })
  warm = { entry: entry.href, worker, onError }
}

/** The warm worker for this entry file, now owned by the caller (kept alive, errors its own); null when there is none. */
export function takeWarmEmbeddingWorker(entry: URL): Worker | null {
  if (!warm || warm.entry !== entry.href) return null
  const { worker, onError } = warm
  warm = null
  worker.off('error', onError)
  worker.ref()
  return worker
}
