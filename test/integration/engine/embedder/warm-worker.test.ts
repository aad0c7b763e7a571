// The warm embedding worker: started before its model is known, configured by createEmbedder's first call, and
// giving the same vectors as a worker spawned with its settings.
import { afterEach, describe, expect, it } from 'vitest'
import { fromNodeMessagePort } from '../../../../shared/rpc/port-adapters'
import { createRpcClient } from '../../../../shared/rpc/rpc-client'
import { createEmbedder } from '../../../../electron/engine/embedder/create-embedder'
import type { Embedder } from '../../../../electron/engine/embedder/types'
import { defaultEmbeddingWorkerUrl, spawnWorker } from '../../../../electron/engine/embedder/spawn-worker'
import { startWarmEmbeddingWorker, takeWarmEmbeddingWorker } from '../../../../electron/engine/embedder/warm-worker'
import type { EmbeddingWorkerMethods } from '../../../../electron/engine/embedder/worker-protocol'
import { ensureTinyEmbeddingModel } from '../../../support/tiny-embedding-model'

const NO_HUB = 'http://127.0.0.1:9/'
const open: Embedder[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((embedder) => embedder.dispose()))
  // A test that left its warm worker untaken ends it here.
  await takeWarmEmbeddingWorker(defaultEmbeddingWorkerUrl())?.terminate()
})

describe('the warm embedding worker', () => {
  it('is taken by the next createEmbedder, which configures it, and embeds like a worker spawned with its settings', async () => {
    const model = await ensureTinyEmbeddingModel()
    const options = { model: model.modelId, modelsDir: model.modelsDir, allowDownload: false, remoteHost: NO_HUB }
    startWarmEmbeddingWorker()
    const warm = await createEmbedder(options)
    open.push(warm)
    // Taken: nothing is left for another embedder.
    expect(takeWarmEmbeddingWorker(defaultEmbeddingWorkerUrl())).toBeNull()
    const cold = await createEmbedder(options)
    open.push(cold)
    expect(warm.info).toEqual(cold.info)
    const texts = ['Moved the backup job to the new NAS.', 'Standup about the search latency.']
    const [fromWarm, fromCold] = await Promise.all([warm.embedPassages(texts), cold.embedPassages(texts)])
    expect(fromWarm).toHaveLength(2)
    for (let row = 0; row < texts.length; row++) expect(Array.from(fromWarm[row]!)).toEqual(Array.from(fromCold[row]!))
    expect(Array.from(await warm.embedQuery('backup NAS'))).toEqual(Array.from(await cold.embedQuery('backup NAS')))
  }, 60_000)

  it('is only handed out for the entry file it was started from', () => {
    startWarmEmbeddingWorker()
    expect(takeWarmEmbeddingWorker(new URL('./some-other-worker.js', defaultEmbeddingWorkerUrl()))).toBeNull()
    expect(takeWarmEmbeddingWorker(defaultEmbeddingWorkerUrl())).not.toBeNull()
  })

  it('takes its settings once: a worker that has them refuses another configure', async () => {
    const model = await ensureTinyEmbeddingModel()
    const settings = {
      model: model.modelDir,
      modelsDir: model.modelsDir,
      allowDownload: false,
      remoteHost: NO_HUB,
      dtype: 'fp32' as const,
      threads: 1,
      scheduling: { sortByLength: true, concurrentQueries: false },
      reportProgress: false,
      downloading: false,
      background: false,
    }
    const worker = spawnWorker(defaultEmbeddingWorkerUrl(), null)
    const client = createRpcClient<EmbeddingWorkerMethods>(fromNodeMessagePort(worker))
    try {
      await client.configure(settings)
      expect((await client.loaded()).dimensions).toBeGreaterThan(0)
      await expect(client.configure(settings)).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('already has its settings') })
      // And one spawned with its settings refuses from the start.
      const spawned = spawnWorker(defaultEmbeddingWorkerUrl(), settings)
      const other = createRpcClient<EmbeddingWorkerMethods>(fromNodeMessagePort(spawned))
      await expect(other.configure(settings)).rejects.toMatchObject({ code: 'invalid-input' })
      other.dispose()
      await spawned.terminate()
    } finally {
      client.dispose()
      await worker.terminate()
    }
  }, 60_000)
})
