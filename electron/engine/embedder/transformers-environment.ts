import { env, LogLevel } from '@huggingface/transformers'

/** Where Transformers.js looks for, and downloads, model files. */
export interface TransformersLocation {
  modelsDir: string
  allowDownload: boolean
  remoteHost: string
}

/**
 * Points the thread's Transformers.js at `modelsDir`. The download cache is `modelsDir` itself: the library caches
 * a hub file at `<cacheDir>/<org>/<name>/<file>`, which is exactly where it looks for local models next time.
 */
export function configureTransformers(location: TransformersLocation): void {
  env.allowLocalModels = true
  env.localModelPath = location.modelsDir
  env.cacheDir = location.modelsDir
  env.useFSCache = true
  env.allowRemoteModels = location.allowDownload
  env.remoteHost = location.remoteHost.endsWith('/') ? location.remoteHost : `${location.remoteHost}/`
  // The library logs every missing optional file as a warning; our own errors say what matters.
  env.logLevel = LogLevel.ERROR
}
