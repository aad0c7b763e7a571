import { fileURLToPath } from 'node:url'
import { defineConfig } from 'electron-vite'
import rendererConfig from './renderer/vite.config'

const source = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url))

/**
 * Builds main (with the engine utilityProcess entry and its embedding worker beside it), the preload, and
 * the renderer (whose own config, renderer/vite.config.ts, is reused as is). Dependencies stay external:
 * native modules (better-sqlite3, LanceDB, llama.cpp, onnxruntime) load from node_modules at run time.
 */
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      externalizeDeps: true,
      rollupOptions: {
        input: {
          index: source('./electron/main/index.ts'),
          'engine-process': source('./electron/engine/engine-process.ts'),
          'embedding-worker': source('./electron/engine/embedder/embedding-worker.ts'),
        },
        output: { format: 'es', entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      externalizeDeps: true,
      rollupOptions: {
        input: { index: source('./electron/preload/index.ts') },
        // Sandboxed preloads cannot be ES modules: CommonJS, with `shared/` bundled in.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: rendererConfig,
})
