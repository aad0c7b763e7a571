import { isAbortError, throwIfAborted } from '../../../shared/errors'
import type { MetaStore } from '../store/meta-store'
import type { RemovedChunks, VectorRow } from '../store/types'
import type { VectorStore } from '../store/vector-store'
import type { EmbeddingTarget, IndexProgress } from './indexer'

export interface VectorBacklogOptions {
  meta: MetaStore
  vectors: VectorStore
  embedding: () => EmbeddingTarget | null
  embedBatchSize: () => number
  onProgress: (progress: IndexProgress) => void
  onIndexChanged: () => void
}

const ANN_INDEX_MIN_ROWS = 10_000
const DEFAULT_MAINTENANCE_WRITES = 2000

/**
 * The vector half of the pipeline: embeds the chunks SQLite has without a vector, copies a vector already stored
 * for the same text instead of recomputing it, deletes vectors of removed chunks once they can no longer be
 * reused, and compacts the table after many writes. It holds no queue of its own: the Indexer calls it from jobs
 * on its serial queue, each with the pass's signal.
 */
export class VectorBacklog {
  /**
   * Vectors of chunks that SQLite no longer has. They are deleted after the next embedding pass, not at once, so a
   * moved file or a reverted edit finds its vectors by content hash first. A crash before then leaves orphans that
   * reconcileStores removes on the next start.
   */
  private readonly staleVectors = new Map<string, string>()
  /** Vector rows written or deleted since the table was last compacted. */
  private writesSinceMaintenance = 0

  constructor(private readonly options: VectorBacklogOptions) {}

  /** Keeps the removed chunks that had vectors, by id with their content hash, until the next embedding pass. */
  rememberStale(removed: RemovedChunks): void {
    for (const { id, contentHash } of removed.removedVectors) this.staleVectors.set(id, contentHash)
  }

  /** Ids of vectors kept for reuse: the store check must not count them as orphans. */
  staleIds(): ReadonlySet<string> {
    return new Set(this.staleVectors.keys())
  }

  get staleCount(): number {
    return this.staleVectors.size
  }

  /**
   * Embeds every chunk that lacks a vector, in batches. A vector already stored for the same text (a moved
   * file, an unchanged section, a reverted edit) is copied instead of recomputed.
   */
  async embed(signal?: AbortSignal): Promise<{ embedded: number; reused: number }> {
    const totals = { embedded: 0, reused: 0 }
    try {
      await this.embedChunks(totals, signal)
    } finally {
      await this.deleteStaleVectors()
    }
    return totals
  }

  /**
   * After a large pass: compacts the vector table (many small writes leave many fragments) and builds the ANN index
   * once the table is large enough for it to help. Small passes skip it, and so does a stopped pass (the writes stay
   * counted; a later pass compacts them).
   */
  async maintain(signal?: AbortSignal, minWrites = DEFAULT_MAINTENANCE_WRITES): Promise<void> {
    const target = this.options.embedding()
    if (!target || this.writesSinceMaintenance < minWrites || signal?.aborted) return
    this.writesSinceMaintenance = 0
    try {
      await this.options.vectors.optimize(target.table)
      throwIfAborted(signal)
      // At 10,000 rows an exact scan already costs ~40 ms at p95 here; the index brings it to ~20 ms.
      await this.options.vectors.ensureAnnIndex(target.table, { minRows: ANN_INDEX_MIN_ROWS })
    } catch (error) {
      if (!isAbortError(error)) console.warn('[indexer] vector table maintenance failed', error)
    }
  }

  /**
   * Stored vectors for these texts, found through SQLite (an embedded chunk with the same content hash, or a removed
   * chunk whose vector is still in the table) and then read by id; LanceDB is not scanned for new text.
   */
  private async storedVectorsByContentHash(table: string, hashes: string[]): Promise<Map<string, Float32Array>> {
    const sources = this.options.meta.chunks.embeddedByContentHash(hashes)
    const wanted = new Set(hashes)
    for (const [id, hash] of this.staleVectors) if (wanted.has(hash) && !sources.has(hash)) sources.set(hash, id)
    if (sources.size === 0) return new Map()
    const byId = await this.options.vectors.vectorsByIds(table, [...new Set(sources.values())])
    const byHash = new Map<string, Float32Array>()
    for (const [hash, id] of sources) {
      const vector = byId.get(id)
      if (vector) byHash.set(hash, vector)
    }
    return byHash
  }

  private async deleteStaleVectors(): Promise<void> {
    const ids = [...this.staleVectors.keys()]
    this.staleVectors.clear()
    const target = this.options.embedding()
    if (!target || ids.length === 0) return
    // Only ids that are still gone: a chunk may have come back with the same id (an undone delete).
    const live = new Set(this.options.meta.chunks.getMany(ids).map((chunk) => chunk.id))
    const stale = ids.filter((id) => !live.has(id))
    // A failure leaves orphans that reconcileStores removes on the next start; never fail indexing for it.
    this.writesSinceMaintenance += stale.length
    if (stale.length > 0) await this.options.vectors.deleteIds(target.table, stale).catch((error) => console.warn('[indexer] could not delete vectors', error))
  }

  private async embedChunks(totals: { embedded: number; reused: number }, signal?: AbortSignal): Promise<void> {
    const target = this.options.embedding()
    if (!target) return
    const { meta, vectors } = this.options
    const total = meta.chunks.count() - meta.chunks.countEmbedded()
    if (total === 0) return
    let done = 0
    this.options.onProgress({ type: 'embedding', done, total })
    // The embedder batches inference itself; vectors are written in larger groups because every LanceDB write
    // costs about the same (~40 ms) for 100 rows as for 500.
    const batchSize = Math.max(512, this.options.embedBatchSize() * 4)
    for (;;) {
      throwIfAborted(signal)
      const batch = meta.chunks.needingVectors(batchSize)
      if (batch.length === 0) break
      const stored = await this.storedVectorsByContentHash(target.table, [...new Set(batch.map((chunk) => chunk.contentHash))])
      const toEmbed = batch.filter((chunk) => !stored.has(chunk.contentHash))
      const fresh = toEmbed.length > 0 ? await target.embedder.embedPassages(toEmbed.map((chunk) => chunk.embedText), signal) : []
      const computed = new Map(toEmbed.map((chunk, index) => [chunk.id, fresh[index]]))
      const rows: VectorRow[] = batch.map((chunk) => ({
        id: chunk.id,
        contentHash: chunk.contentHash,
        path: chunk.path,
        periodStart: chunk.periodStart,
        periodEnd: chunk.periodEnd,
        vector: computed.get(chunk.id) ?? stored.get(chunk.contentHash)!,
      }))
      await vectors.upsert(target.table, rows)
      this.writesSinceMaintenance += rows.length
      meta.chunks.markEmbedded(batch.map((chunk) => chunk.id), true)
      meta.completeFiles([...new Set(batch.map((chunk) => chunk.path))])
      totals.embedded += toEmbed.length
      totals.reused += batch.length - toEmbed.length
      done += batch.length
      this.options.onProgress({ type: 'embedding', done: Math.min(done, total), total })
      this.options.onIndexChanged()
    }
  }
}
