import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Engine } from '../../../../electron/engine/engine'
import { makeTempDir, waitFor, writeFiles } from '../../../support/temp-dir'
import { startHubServer, type HubServer } from '../../../support/hub-server'
import { ensureTinyEmbeddingModel, TINY_EMBEDDING_MODEL_ID } from '../../../support/tiny-embedding-model'

let hub: HubServer
const temps: Array<() => void> = []

beforeAll(async () => {
  hub = await startHubServer((await ensureTinyEmbeddingModel()).modelsDir)
})
afterAll(async () => {
  await hub?.close()
  temps.forEach((cleanup) => cleanup())
})

describe('local-only and model downloads', () => {
  it('opens no connection for a missing model, refuses an explicit download, and fetches once the policy allows it', async () => {
    const temp = makeTempDir('notes-rag-local-only-')
    temps.push(temp.cleanup)
    const folder = path.join(temp.dir, 'notes')
    fs.mkdirSync(folder)
    writeFiles(folder, { '2024-W01.md': '# 2024-W01\n\n- kubernetes upgrade\n' })
    const engine = await Engine.open({
      dataDir: path.join(temp.dir, 'data'),
      overrides: {
        folder,
        routing: { policy: 'local-only' },
        embedding: { model: TINY_EMBEDDING_MODEL_ID, remoteHost: hub.url, allowDownload: true },
      },
    })
    try {
      const before = hub.requests.length
      await engine.call('reindex', [])
      const status = await engine.call('getStatus', [])
      expect(status.embedding).toMatchObject({ type: 'unavailable', code: 'model-missing' })
      expect(status.embedding.type === 'unavailable' && status.embedding.reason).toMatch(/local-only forbids downloading it; keyword search works/)
      await expect(engine.call('downloadModel', ['embedding'])).rejects.toMatchObject({ code: 'model-missing' })
      await expect(engine.call('downloadModel', ['chat'])).rejects.toThrow(/local-only/)
      expect((await engine.call('search', ['kubernetes'])).hits.length).toBe(1)
      expect(hub.requests.slice(before)).toEqual([])

    } finally {
      await engine.dispose()
    }
    // The saved policy, not an override (overrides win over saved settings), so changing it takes effect.
    fs.writeFileSync(path.join(temp.dir, 'data', 'settings.json'), JSON.stringify({ version: 1, folder, routing: { policy: 'local-only' } }))
    const reopened = await Engine.open({
      dataDir: path.join(temp.dir, 'data'),
      overrides: { embedding: { model: TINY_EMBEDDING_MODEL_ID, remoteHost: hub.url, allowDownload: true } },
    })
    try {
      expect((await reopened.call('getStatus', [])).embedding).toMatchObject({ type: 'unavailable', code: 'model-missing' })
      const before = hub.requests.length
      await reopened.call('updateSettings', [{ routing: { policy: 'auto' } }])
      await waitFor(async () => (await reopened.call('getStatus', [])).embedding.type === 'ready', { timeoutMs: 30_000, what: 'the model downloaded after leaving local-only' })
      expect(hub.requests.length).toBeGreaterThan(before)
    } finally {
      await reopened.dispose()
    }
  })
})
