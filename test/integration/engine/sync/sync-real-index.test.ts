import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { defaultSettings, mergeSettings } from '../../../../shared/settings'
import { dataPaths } from '../../../../electron/engine/settings/data-dir'
import { MetaStore } from '../../../../electron/engine/store/meta-store'
import { VectorStore } from '../../../../electron/engine/store/vector-store'
import { SyncService } from '../../../../electron/engine/sync/sync-service'
import { syncVectorsSource } from '../../../../electron/engine/sync/sync-vectors-source'
import { openTestEngine } from '../../../support/engine-fixture'
import { SyncContractServer } from '../../../support/sync-contract-server'
import { makeTempDir, writeFiles } from '../../../support/temp-dir'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function weekNote(week: number, done: string): string {
  return `# 2023-W${String(week).padStart(2, '0')}\n\n## Done\n\n- ${done}\n- Reviewed pull requests with Dana\n\n## Next\n\n- Plan the next sprint.\n`
}

describe('sync over an index built by the real engine and the tiny Transformers.js model', () => {
  it('sends every indexed note with the vectors the embedder wrote, and the real model fingerprint', async () => {
    const temp = makeTempDir('notes-rag-notes-')
    cleanups.push(temp.cleanup)
    const folder = path.join(temp.dir, 'weekly')
    fs.mkdirSync(folder)
    writeFiles(folder, {
      '2023-W14.md': weekNote(14, 'Shipped the search feature'),
      '2023-W15.md': weekNote(15, 'Fixed the deploy pipeline'),
      'projects/infra.md': '# Infra\n\nNotes about the database migration and the backup plan.\n',
    })
    const engine = await openTestEngine(folder)
    cleanups.push(engine.cleanup)
    const summary = await engine.engine.call('reindex', [])
    expect(summary).toMatchObject({ added: 3, failed: 0 })
    await engine.close()

    const paths = dataPaths(engine.dataDir)
    const meta = MetaStore.open(paths.database)
    const store = await VectorStore.open(paths.vectors)
    cleanups.push(async () => {
      meta.dispose()
      await store.dispose()
    })
    const active = meta.models.getActive()
    expect(active).not.toBeNull()
    const server = await SyncContractServer.start()
    cleanups.push(() => server.close())
    const settings = mergeSettings(defaultSettings(), { folder, gateway: { baseUrl: server.baseUrl }, sync: { enabled: true } })
    const service = new SyncService({
      meta,
      vectors: syncVectorsSource(meta, store, () => ({ table: active!.table })),
      settings: () => settings,
      token: () => 'test-token',
      onStatus: () => undefined,
    })
    cleanups.push(() => service.dispose())

    const report = await service.syncNow({ dryRun: false })

    expect(report.upserts.map((item) => item.path)).toEqual(['2023-W14.md', '2023-W15.md', 'projects/infra.md'])
    expect(server.invalidRequests).toEqual([])
    for (const file of meta.files.list()) {
      const chunks = meta.chunks.forFile(file.path)
      const vectors = await store.vectorsByIds(active!.table, chunks.map((chunk) => chunk.id))
      const stored = server.notes.get(file.path)!
      expect(stored.sha256).toBe(file.sha256)
      expect(stored.period).toMatchObject({ start: file.period!.start, end: file.period!.end })
      expect(stored.chunks.map((chunk) => chunk.embedText)).toEqual(chunks.map((chunk) => chunk.embedText))
      expect(stored.chunks.map((chunk) => Array.from(chunk.vector!))).toEqual(chunks.map((chunk) => Array.from(vectors.get(chunk.id)!)))
    }
    const batch = JSON.parse(server.requestsTo('batch')[0].body!) as { embedding: { modelId: string; dimensions: number; fingerprint: number[] } }
    expect(batch.embedding).toMatchObject({ modelId: active!.modelId, dimensions: active!.dimensions })
    expect(batch.embedding.fingerprint).toEqual(active!.fingerprint.map((value) => Math.fround(value)))
  })
})
