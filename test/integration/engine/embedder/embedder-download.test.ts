import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { copyFile, cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BrainError } from '../../../../shared/errors'
import { createEmbedder } from '../../../../electron/engine/embedder/create-embedder'
import type { Embedder } from '../../../../electron/engine/embedder/types'
import { startHubServer, type HubServer } from '../../../support/hub-server'
import { ensureTinyEmbeddingModel, type TinyEmbeddingModel } from '../../../support/tiny-embedding-model'

const MODEL_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']

async function listFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => [])
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(folder.length + 1))
    .sort()
}

describe('embedder downloads', () => {
  let model: TinyEmbeddingModel
  let scratch: string
  const servers: HubServer[] = []
  const embedders: Embedder[] = []

  const hub = async (rootDir: string, options?: { interruptFiles?: string[]; stallFiles?: string[] }): Promise<HubServer> => {
    const server = await startHubServer(rootDir, options)
    servers.push(server)
    return server
  }
  const freshDir = (name: string): Promise<string> => mkdtemp(join(scratch, `${name}-`))
  /** A hub root holding a copy of the tiny model under `org/name`, for tests that alter its files. */
  const hubCopy = async (name: string): Promise<string> => {
    const root = await freshDir(name)
    await cp(model.modelDir, join(root, 'test', 'tiny-lexical-embed'), { recursive: true })
    return root
  }

  beforeAll(async () => {
    model = await ensureTinyEmbeddingModel()
    scratch = await mkdtemp(join(tmpdir(), 'embedder-download-'))
  })
  afterEach(async () => {
    for (const embedder of embedders.splice(0)) await embedder.dispose()
    for (const server of servers.splice(0)) await server.close()
  })
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true })
  })

  it('downloads into an empty modelsDir with summed progress, then works offline from the copy', async () => {
    const server = await hub(model.modelsDir)
    const modelsDir = await freshDir('download')
    const progress: Array<{ loadedBytes: number; totalBytes: number | null }> = []
    const embedder = await createEmbedder({
      model: model.modelId,
      modelsDir,
      allowDownload: true,
      remoteHost: server.url,
      onDownloadProgress: (event) => progress.push(event),
    })
    embedders.push(embedder)

    let expectedBytes = 0
    for (const file of MODEL_FILES) {
      const downloaded = await readFile(join(modelsDir, model.modelId, file))
      expect(downloaded.equals(await readFile(join(model.modelDir, file)))).toBe(true)
      expectedBytes += downloaded.length
    }
    expect(await listFiles(join(modelsDir, model.modelId))).toEqual([...MODEL_FILES].sort())
    expect(server.requests).toContain(`GET /${model.modelId}/resolve/main/onnx/model.onnx`)

    expect(progress.length).toBeGreaterThan(MODEL_FILES.length)
    for (let index = 1; index < progress.length; index++) expect(progress[index].loadedBytes).toBeGreaterThanOrEqual(progress[index - 1].loadedBytes)
    expect(progress.at(-1)).toEqual({ loadedBytes: expectedBytes, totalBytes: expectedBytes })

    const [downloadedVector] = await embedder.embedPassages(['weekly review of the release plan'])

    // Offline now: the hub is gone and downloads are off, yet the copy in modelsDir loads.
    await server.close()
    servers.splice(servers.indexOf(server), 1)
    const offlineProgress: unknown[] = []
    const offline = await createEmbedder({ model: model.modelId, modelsDir, allowDownload: false, remoteHost: server.url, onDownloadProgress: (event) => offlineProgress.push(event) })
    embedders.push(offline)
    const [offlineVector] = await offline.embedPassages(['weekly review of the release plan'])
    expect(Array.from(offlineVector)).toEqual(Array.from(downloadedVector))
    expect(offlineProgress).toEqual([])
  })

  it('does not touch the network when downloading is off', async () => {
    const server = await hub(model.modelsDir)
    const modelsDir = await freshDir('no-download')
    const error = await createEmbedder({ model: model.modelId, modelsDir, allowDownload: false, remoteHost: server.url }).catch((caught: unknown) => caught)
    expect(BrainError.is(error, 'model-missing')).toBe(true)
    expect((error as BrainError).message).toMatch(/downloading is turned off/)
    expect(server.requests).toEqual([])
    expect(await listFiles(modelsDir)).toEqual([])
  })

  it('reports a dropped connection as a retryable download failure, leaves no partial file, and a retry succeeds', async () => {
    const flaky = await hub(model.modelsDir, { interruptFiles: ['onnx/model.onnx'] })
    const modelsDir = await freshDir('flaky')
    const error = await createEmbedder({ model: model.modelId, modelsDir, allowDownload: true, remoteHost: flaky.url }).catch((caught: unknown) => caught)
    expect(BrainError.is(error, 'model-download-failed')).toBe(true)
    expect((error as BrainError).retryable).toBe(true)
    expect(await listFiles(join(modelsDir, model.modelId))).not.toContain('onnx/model.onnx')
    expect((await listFiles(modelsDir)).filter((file) => file.includes('.tmp'))).toEqual([])

    const healthy = await hub(model.modelsDir)
    const embedder = await createEmbedder({ model: model.modelId, modelsDir, allowDownload: true, remoteHost: healthy.url })
    embedders.push(embedder)
    expect(await embedder.embedQuery('retry worked')).toHaveLength(embedder.info.dimensions)
  })

  it('stops a stalled download when aborted and cleans up its partial file', async () => {
    const server = await hub(model.modelsDir, { stallFiles: ['onnx/model.onnx'] })
    const modelsDir = await freshDir('stalled')
    const controller = new AbortController()
    const progress: number[] = []
    const loading = createEmbedder({
      model: model.modelId,
      modelsDir,
      allowDownload: true,
      remoteHost: server.url,
      signal: controller.signal,
      onDownloadProgress: ({ loadedBytes }) => progress.push(loadedBytes),
    })
    const onnxRequest = `GET /${model.modelId}/resolve/main/onnx/model.onnx`
    while (!server.requests.includes(onnxRequest) || progress.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    // Let the half that the server sends reach the partial file before stopping.
    await new Promise((resolve) => setTimeout(resolve, 100))
    controller.abort()
    await expect(loading).rejects.toMatchObject({ code: 'aborted' })
    const files = await listFiles(modelsDir)
    expect(files.filter((file) => file.includes('.tmp'))).toEqual([])
    expect(files).not.toContain(`${model.modelId}/onnx/model.onnx`)
  })

  it('reports a model the hub does not have, or an unreachable hub, as a download failure', async () => {
    const server = await hub(model.modelsDir)
    const missing = await createEmbedder({ model: 'test/not-on-the-hub', modelsDir: await freshDir('absent'), allowDownload: true, remoteHost: server.url }).catch(
      (caught: unknown) => caught,
    )
    expect(BrainError.is(missing, 'model-download-failed')).toBe(true)
    expect(server.requests.some((request) => request.includes('/test/not-on-the-hub/resolve/main/'))).toBe(true)

    const unreachable = await createEmbedder({ model: model.modelId, modelsDir: await freshDir('unreachable'), allowDownload: true, remoteHost: 'http://127.0.0.1:9/' }).catch(
      (caught: unknown) => caught,
    )
    expect(BrainError.is(unreachable, 'model-download-failed')).toBe(true)
    expect((unreachable as BrainError).retryable).toBe(true)
  })

  it('prefers onnx/model_quantized.onnx (q8) when the hub has it', async () => {
    const root = await hubCopy('quantized-hub')
    await copyFile(join(root, model.modelId, 'onnx/model.onnx'), join(root, model.modelId, 'onnx/model_quantized.onnx'))
    const server = await hub(root)
    const modelsDir = await freshDir('quantized')
    const embedder = await createEmbedder({ model: model.modelId, modelsDir, allowDownload: true, remoteHost: server.url })
    embedders.push(embedder)
    expect(server.requests).toContain(`GET /${model.modelId}/resolve/main/onnx/model_quantized.onnx`)
    expect(server.requests).not.toContain(`GET /${model.modelId}/resolve/main/onnx/model.onnx`)
    expect(await listFiles(join(modelsDir, model.modelId))).toContain('onnx/model_quantized.onnx')
  })

  it('loads the quantized file of a local model when it is there', async () => {
    const root = await hubCopy('quantized-local')
    const folder = join(root, model.modelId)
    await copyFile(join(folder, 'onnx/model.onnx'), join(folder, 'onnx/model_quantized.onnx'))
    // Break the full-precision file: loading succeeds only if the quantized one is the one used.
    await writeFile(join(folder, 'onnx/model.onnx'), 'not a model')
    const embedder = await createEmbedder({ model: model.modelId, modelsDir: root, allowDownload: false, remoteHost: 'http://127.0.0.1:9/' })
    embedders.push(embedder)
    expect(await embedder.embedQuery('quantized')).toHaveLength(embedder.info.dimensions)
  })

  it('reports a truncated model.onnx as model-corrupt, locally and after a download', async () => {
    const root = await hubCopy('truncated')
    const onnxPath = join(root, model.modelId, 'onnx/model.onnx')
    const full = await readFile(onnxPath)
    await writeFile(onnxPath, full.subarray(0, Math.floor(full.length / 3)))
    expect((await stat(onnxPath)).size).toBeLessThan(full.length)

    const local = await createEmbedder({ model: model.modelId, modelsDir: root, allowDownload: false, remoteHost: 'http://127.0.0.1:9/' }).catch((caught: unknown) => caught)
    expect(BrainError.is(local, 'model-corrupt')).toBe(true)
    expect((local as BrainError).retryable).toBe(false)

    const server = await hub(root)
    const downloaded = await createEmbedder({ model: model.modelId, modelsDir: await freshDir('truncated-download'), allowDownload: true, remoteHost: server.url }).catch(
      (caught: unknown) => caught,
    )
    expect(BrainError.is(downloaded, 'model-corrupt')).toBe(true)
  })
})
