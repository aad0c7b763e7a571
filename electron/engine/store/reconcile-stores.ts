import { throwIfAborted } from '../../../shared/errors'
import type { MetaStore } from './meta-store'
import type { VectorStore } from './vector-store'

/** What `reconcileStores` fixed. */
export interface ReconcileResult {
  /** Vector rows whose chunk is no longer in SQLite (deleted, or counted only when `deleteOrphans` is off). */
  orphanVectors: number
  /** Chunks flagged embedded whose vector row is missing or stale (flag cleared: they will be written again). */
  missingVectors: number
  /** Chunks not flagged embedded that already had an up-to-date vector row (flag set: no need to embed again). */
  foundVectors: number
  /** Pending files that turned out to be complete and were marked indexed. */
  completedFiles: number
}

export interface ReconcileOptions {
  signal?: AbortSignal
  /**
   * Delete vector rows SQLite has no chunk for. Only safe once SQLite reflects the folder (after a full pass's
   * file reconcile): on a fresh or emptied index.sqlite every row looks orphaned until the files are read again,
   * and those rows are exactly the vectors the pass is about to reuse.
   */
  deleteOrphans?: boolean
  /** Rows kept even though SQLite no longer has their chunk (the indexer's pending stale vectors, reused by hash). */
  keepIds?: ReadonlySet<string>
}

/**
 * Makes the `embedded` flags in SQLite match the rows of a vector table, and removes vector rows of chunks SQLite
 * no longer has. SQLite is the source of truth for which chunks exist; LanceDB for which vectors exist. A crash
 * between the two stores' writes, a deleted `vectors/` folder or deleted rows are all repaired here.
 */
export async function reconcileStores(
  meta: MetaStore,
  vectors: VectorStore,
  table: string,
  signalOrOptions?: AbortSignal | ReconcileOptions,
): Promise<ReconcileResult> {
  const options: ReconcileOptions = signalOrOptions instanceof AbortSignal ? { signal: signalOrOptions } : (signalOrOptions ?? {})
  const { signal, deleteOrphans = true, keepIds } = options
  throwIfAborted(signal)
  const rows = await vectors.rowMetadata(table)
  throwIfAborted(signal)
  const chunks = meta.chunks.vectorStates()
  const orphans: string[] = []
  for (const id of rows.keys()) if (!chunks.has(id) && !keepIds?.has(id)) orphans.push(id)
  const missing: string[] = []
  const found: string[] = []
  for (const [id, chunk] of chunks) {
    const row = rows.get(id)
    // A row with another period or path would filter wrongly: it counts as missing until it is rewritten.
    const current =
      row !== undefined &&
      row.path === chunk.path &&
      row.contentHash === chunk.contentHash &&
      row.periodStart === chunk.periodStart &&
      row.periodEnd === chunk.periodEnd
    if (chunk.embedded && !current) missing.push(id)
    else if (!chunk.embedded && current) found.push(id)
  }
  const completedFiles = meta.transaction(() => {
    meta.chunks.markEmbedded(missing, false)
    meta.chunks.markEmbedded(found, true)
    return meta.completeFiles(meta.files.pendingPaths()).length
  })
  throwIfAborted(signal)
  // After the flags: if this delete is interrupted, the next start simply finds the orphans again.
  if (deleteOrphans) await vectors.deleteIds(table, orphans)
  return { orphanVectors: orphans.length, missingVectors: missing.length, foundVectors: found.length, completedFiles }
}
