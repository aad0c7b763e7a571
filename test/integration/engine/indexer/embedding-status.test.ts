import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { Engine } from '../../../../electron/engine/engine'
import { makeTempDir, waitFor, writeFiles } from '../../../support/temp-dir'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A "model host" that accepts connections and never answers: a download attempt stays in flight. */
async function silentHost(): Promise<string> {
  const open = new Set<http.ServerResponse>()
  const server = http.createServer((_request, response) => void open.add(response))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const response of open) response.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
}

describe('embedding status tells the truth about a failed download', () => {
  it('says unavailable with the reason once the download failed, and at once on the next run while it retries', async () => {
    const temp = makeTempDir('notes-rag-embed-status-')
    cleanups.push(temp.cleanup)
    const folder = path.join(temp.dir, 'notes')
    writeFiles(folder, { '2024-W10.md': '# 2024-W10\n\n- Finished the Postgres migration\n' })
    const dataDir = path.join(temp.dir, 'data')
    const embedding = { model: 'test-org/not-on-any-hub', modelsDir: path.join(temp.dir, 'models'), allowDownload: true }
    fs.mkdirSync(embedding.modelsDir)

    // 1. Nothing listens on port 9: the attempt fails, and the status says so with the reason.
    const first = await Engine.open({ dataDir, overrides: { folder, routing: { policy: 'auto' }, embedding: { ...embedding, remoteHost: 'http://127.0.0.1:9/' } } })
    const failed = await waitFor(async () => {
      const status = await first.call('getStatus', [])
      return status.embedding.type === 'unavailable' && status.embedding.code !== 'embedding-unavailable' ? status.embedding : null
    }, { timeoutMs: 20_000 })
    expect(failed).toMatchObject({ type: 'unavailable', modelId: embedding.model, code: 'model-download-failed' })
    expect(failed.type === 'unavailable' && failed.reason).toMatch(/Could not reach the model host/)
    await first.dispose()

    // 2. Next run, the host hangs: the status does not claim "loading" while the retry is in flight.
    const second = await Engine.open({ dataDir, overrides: { folder, routing: { policy: 'auto' }, embedding: { ...embedding, remoteHost: await silentHost() } } })
    cleanups.push(() => second.dispose())
    const during = await waitFor(async () => {
      const status = await second.call('getStatus', [])
      return status.embedding.type !== 'unavailable' || status.embedding.code !== 'embedding-unavailable' ? status.embedding : null
    }, { timeoutMs: 20_000 })
    expect(during.type).toBe('unavailable')
    expect(during.type === 'unavailable' && during.reason).toMatch(/The last attempt to get the embedding model failed \(\d{4}-\d\d-\d\dT.*\): Could not reach the model host .*Trying again now/)
  })
})
