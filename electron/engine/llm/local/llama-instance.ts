import type { Llama } from 'node-llama-cpp'

/** How the local model may use a GPU: `false` = CPU only, `'auto'` / `true` = use one when node-llama-cpp finds it. */
export type LocalGpuSetting = boolean | 'auto'

let sharedLlama: Promise<Llama> | null = null
let llamaCppModule: Promise<typeof import('node-llama-cpp')> | null = null

/**
 * node-llama-cpp, imported on first use: it costs most of a second to load, and search, status or indexing never
 * need it (the CLI starts faster for them).
 */
export function loadLlamaCpp(): Promise<typeof import('node-llama-cpp')> {
  llamaCppModule ??= import('node-llama-cpp').catch((error: unknown) => {
    llamaCppModule = null
    throw error
  })
  return llamaCppModule
}

/**
 * The process-wide llama.cpp binding. It is a native singleton (backends, thread pools), so it is created once and
 * shared by every model; the GPU setting of the first caller wins until `releaseSharedLlama()`.
 */
export function getSharedLlama(gpu: LocalGpuSetting = 'auto'): Promise<Llama> {
  if (!sharedLlama) {
    sharedLlama = loadLlamaCpp().then(({ getLlama, LlamaLogLevel }) =>
      getLlama({
        gpu: gpu === false ? false : 'auto',
        // An app must never try to compile llama.cpp or fetch a toolchain on a user's machine.
        build: 'never',
        progressLogs: false,
        logLevel: LlamaLogLevel.error,
      }),
    ).catch((error: unknown) => {
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
