import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import { createEmbedder } from '../../../../electron/engine/embedder/create-embedder'
import { ensureTinyEmbeddingModel } from '../../../support/tiny-embedding-model'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')

// The packaged app runs the worker from a bundled .js file, not from TypeScript sources through tsx.
describe('embedder with a bundled worker entry', () => {
  let outDir: string
  beforeAll(async () => {
    // Inside the repo so the bundle's bare imports (@huggingface/transformers) resolve from node_modules.
    await mkdir(join(repoRoot, '.cache', 'test-bundles'), { recursive: true })
    outDir = await mkdtemp(join(repoRoot, '.cache', 'test-bundles', 'embedder-'))
    await build({
      configFile: false,
      logLevel: 'silent',
      root: repoRoot,
      build: {
        ssr: 'electron/engine/embedder/embedding-worker.ts',
        outDir,
        emptyOutDir: true,
        target: 'node20',
        minify: false,
        rollupOptions: { output: { format: 'es', entryFileNames: 'embedding-worker.js' } },
      },
    })
  })
  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true })
  })

  it('gives the same vectors as the worker run from sources', async () => {
    const model = await ensureTinyEmbeddingModel()
    const base = { model: model.modelId, modelsDir: model.modelsDir, allowDownload: false, remoteHost: 'http://127.0.0.1:9/' }
    const bundled = await createEmbedder({ ...base, workerUrl: join(outDir, 'embedding-worker.js') })
    const fromSources = await createEmbedder(base)
    try {
      const text = 'bundled worker check for the weekly release notes'
      const [fromBundle] = await bundled.embedPassages([text])
      const [expected] = await fromSources.embedPassages([text])
      expect(Array.from(fromBundle)).toEqual(Array.from(expected))
      expect(bundled.info).toEqual(fromSources.info)
    } finally {
      await bundled.dispose()
      await fromSources.dispose()
    }
  })
})
