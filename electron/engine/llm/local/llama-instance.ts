import { getLlama, LlamaLogLevel, type Llama } from 'node-llama-cpp'

/** How the local model may use a GPU: `false` = CPU only, `'auto'` / `true` = use one when node-llama-cpp finds it. */
export type LocalGpuSetting = boolean | 'auto'

let sharedLlama: Promise<Llama> | null = null

/**
 * The process-wide llama.cpp binding. It is a native singleton (backends, thread pools), so it is created once and
 * shared by every model; the GPU setting of the first caller wins until `releaseSharedLlama()`.
 */
export function getSharedLlama(gpu: LocalGpuSetting = 'auto'): Promise<Llama> {
  if (!sharedLlama) {
    sharedLlama = getLlama({
      gpu: gpu === false ? false : 'auto',
      // An app must never try to compile llama.cpp or fetch a toolchain on a user's machine.
      build: 'never',
      progressLogs: false,
      logLevel: LlamaLogLevel.error,
    }).catch((error: unknown) => {
      sharedLlama = null
      throw error
    })
  }
  return sharedLlama
}

/** Disposes the shared binding (for shutdown); the next `getSharedLlama()` creates a fresh one. */
export async function releaseSharedLlama(): Promise<void> {
  const current = sharedLlama
  sharedLlama = null
  if (current) await (await current).dispose()
}
