import type { MetaStore } from '../store/meta-store'
import type { VectorStore } from '../store/vector-store'
import type { SyncVectors } from './sync-pass-context'

/**
 * SyncService's `vectors` dependency from what the engine already has: the active embedding target's table and the
 * model record stored with it (model id, dimensions and the fingerprint the index was built with). Null while no
 * model is loaded. A table still being built is fine: only `indexed` files are sent, and their chunks have vectors
 * in the target table (a model switch turns every file `pending` until it is re-embedded there).
 */
export function syncVectorsSource(meta: MetaStore, store: VectorStore, current: () => { table: string } | null): () => SyncVectors | null {
  return () => {
    const target = current()
    if (!target) return null
    const model = meta.models.get(target.table)
    if (!model) return null
    return { store, table: target.table, modelId: model.modelId, dimensions: model.dimensions, fingerprint: model.fingerprint }
  }
}
