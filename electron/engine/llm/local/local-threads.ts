/**
 * llama.cpp CPU threads for the `llm.threads` setting. An explicit count is kept. 0 (the default) is one fewer than
 * the machine's math cores, at least 1: llama.cpp's threads wait for each other at every layer by spinning, so a
 * core that is busy elsewhere (the embedder indexing, the window) stalls every token. On a 2-core machine that is
 * 1 thread; node-llama-cpp's own choice there is 4, the slowest setting measured (README, Measured).
 */
export function resolveLocalThreads(setting: number, cpuMathCores: number): number {
  if (setting > 0) return setting
  return Math.max(1, Math.floor(cpuMathCores) - 1)
}
