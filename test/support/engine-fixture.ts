import path from 'node:path'
import { Engine, type EngineOptions } from '../../electron/engine/engine'
import type { SettingsPatch } from '../../shared/settings'
import { makeTempDir } from './temp-dir'
import { ensureTinyEmbeddingModel } from './tiny-embedding-model'

/** Settings overrides that point the engine at the tiny generated embedding model, offline. */
export async function tinyModelOverrides(extra: SettingsPatch = {}): Promise<SettingsPatch> {
  const model = await ensureTinyEmbeddingModel()
  return {
    ...extra,
    embedding: { model: model.modelDir, modelsDir: model.modelsDir, allowDownload: false, batchSize: 16, ...extra.embedding },
    routing: { policy: 'local-only', ...extra.routing },
  }
}

export interface EngineFixture {
  engine: Engine
  dataDir: string
  folder: string
  /** Closes the engine (keeps the data dir) so a test can open it again, as after a restart. */
  close(): Promise<void>
  reopen(options?: Partial<EngineOptions>): Promise<Engine>
  cleanup(): Promise<void>
}

/** A real engine on a temp data dir, indexing `folder` with the tiny embedding model. */
export async function openTestEngine(folder: string, options: Partial<EngineOptions> & { extra?: SettingsPatch } = {}): Promise<EngineFixture> {
  const temp = makeTempDir('notes-rag-data-')
  const dataDir = path.join(temp.dir, 'data')
  const overrides = await tinyModelOverrides({ folder, ...options.extra })
  const open = (more: Partial<EngineOptions> = {}) => Engine.open({ dataDir, overrides, watch: false, ...options, ...more })
  const fixture: EngineFixture = {
    engine: await open(),
    dataDir,
    folder,
    close: async () => {
      await fixture.engine.dispose()
    },
    reopen: async (more) => {
      fixture.engine = await open(more)
      return fixture.engine
    },
    cleanup: async () => {
      await fixture.engine.dispose().catch(() => undefined)
      temp.cleanup()
    },
  }
  return fixture
}
