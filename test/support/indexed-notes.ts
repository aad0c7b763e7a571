import fs from 'node:fs'
import path from 'node:path'
import { defaultSettings, mergeSettings, type Settings, type SettingsPatch } from '../../shared/settings'
import { dataPaths } from '../../electron/engine/settings/data-dir'
import { MetaStore } from '../../electron/engine/store/meta-store'
import { VectorStore } from '../../electron/engine/store/vector-store'
import { SyncService } from '../../electron/engine/sync/sync-service'
import { syncVectorsSource } from '../../electron/engine/sync/sync-vectors-source'
import { openTestEngine } from './engine-fixture'
import { makeTempDir, writeFiles } from './temp-dir'

export interface IndexedNotes {
  folder: string
  meta: MetaStore
  store: VectorStore
  table: string
  /** A desktop SyncService over this index pointed at `baseUrl`, with fast retries. */
  syncService(baseUrl: string, token: string, patch?: SettingsPatch): SyncService
  cleanup(): Promise<void>
}

/** Weekly notes on varied topics, so keyword and vector search have something to tell apart. */
export function weeklyCorpus(weeks = 6): Record<string, string> {
  const topics = [
    ['Migrated the database to Postgres 16', 'Tuned the slow search query with an index'],
    ['Shipped the kubernetes cluster upgrade', 'Wrote the outage incident report'],
    ['Planned the marketing launch with the sales team', 'Reviewed the budget report'],
    ['Fixed the backup job on the storage server', 'Replaced the disk in the laptop'],
    ['Interviewed two candidates for the hiring round', 'Ran the onboarding workshop'],
    ['Presented the roadmap at the conference', 'Prepared the demo slides'],
  ]
  const files: Record<string, string> = {}
  for (let index = 0; index < weeks; index += 1) {
    const week = String(10 + index).padStart(2, '0')
    const [done, more] = topics[index % topics.length]
    files[`weekly/2023-W${week}.md`] = `# 2023-W${week}\n\n## Done\n\n- ${done}.\n- ${more}.\n\n## Next\n\n- Follow up on ${done.toLowerCase().split(' ').slice(-2).join(' ')}.\n`
  }
  return files
}

/** Indexes `files` with the real engine and the tiny Transformers.js model, then opens its stores for syncing. */
export async function indexNotes(files: Record<string, string>): Promise<IndexedNotes> {
  const temp = makeTempDir('notes-rag-notes-')
  const folder = path.join(temp.dir, 'notes')
  fs.mkdirSync(folder)
  writeFiles(folder, files)
  const engine = await openTestEngine(folder)
  const summary = await engine.engine.call('reindex', [])
  if (summary.failed > 0) throw new Error(`Indexing failed for ${summary.failed} files`)
  await engine.close()
  const paths = dataPaths(engine.dataDir)
  const meta = MetaStore.open(paths.database)
  const store = await VectorStore.open(paths.vectors)
  const active = meta.models.getActive()
  if (!active) throw new Error('The engine has no active model after indexing.')
  const services: SyncService[] = []
  return {
    folder,
    meta,
    store,
    table: active.table,
    syncService: (baseUrl, token, patch = {}) => {
      const settings: Settings = mergeSettings(defaultSettings(), {
        ...patch,
        folder,
        gateway: { baseUrl, requestTimeoutMs: 30_000, ...patch.gateway },
        sync: { enabled: true, ...patch.sync },
      })
      const service = new SyncService({
        meta,
        vectors: syncVectorsSource(meta, store, () => ({ table: active.table })),
        settings: () => settings,
        token: () => token,
        onStatus: () => undefined,
        retry: { initialMs: 20, maxMs: 100, maxAttempts: 4 },
        random: () => 0.5,
        debounceMs: 20,
      })
      services.push(service)
      return service
    },
    cleanup: async () => {
      for (const service of services) await service.dispose()
      meta.dispose()
      await store.dispose()
      await engine.cleanup()
      temp.cleanup()
    },
  }
}
