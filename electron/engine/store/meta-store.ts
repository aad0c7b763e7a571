import type { ErrorCode } from '../../../shared/errors'
import type { ChunkDraft } from '../chunker/types'
import type { Disposable } from '../../../shared/lifecycle'
import { ChunkRepository } from './chunk-repository'
import { ConversationRepository } from './conversation-repository'
import { IndexSummaryRepository } from './index-summary-repository'
import { ManifestRepository } from './manifest-repository'
import { ModelRegistry } from './model-registry'
import { type MetaDatabase, openMetaDatabase } from './open-meta-database'
import { StateRepository } from './state-repository'
import { SyncRepository } from './sync-repository'
import type { FileInput, RemovedChunks, ReplaceFileResult } from './types'

export type { ChunkVectorState, FileInput, MessageInput, RemovedChunks, ReplaceFileResult } from './types'

/**
 * index.sqlite: one handle, a repository per concern, and the few writes that span the manifest and the chunks
 * (which must commit together). Everything else is asked of the repositories: `meta.files.get(path)`,
 * `meta.chunks.keywordSearch(...)`, `meta.conversations.list()`.
 */
export class MetaStore implements Disposable {
  /** The manifest of indexed files. */
  readonly files: ManifestRepository
  /** Chunks and their FTS5 keyword index. */
  readonly chunks: ChunkRepository
  readonly state: StateRepository
  /** Embedding models and which one is active. */
  readonly models: ModelRegistry
  readonly conversations: ConversationRepository
  /** The outbox, the last known server manifest and sync status. */
  readonly sync: SyncRepository
  /** Read-only figures over files and chunks (overview, timeline, period sources). */
  readonly summary: IndexSummaryRepository

  private constructor(private readonly db: MetaDatabase) {
    this.files = new ManifestRepository(db)
    this.chunks = new ChunkRepository(db)
    this.state = new StateRepository(db)
    this.models = new ModelRegistry(db)
    this.conversations = new ConversationRepository(db)
    this.sync = new SyncRepository(db, this.state)
    this.summary = new IndexSummaryRepository(db)
  }

  /** Opens (creating when needed) and migrates the database at `dbPath`. */
  static open(dbPath: string): MetaStore {
    return new MetaStore(openMetaDatabase(dbPath))
  }

  /**
   * Writes a file's new chunks in one transaction with its manifest row, diffing by chunk id (see
   * `ChunkRepository.replaceForFile`). The row becomes `indexed` when every chunk already has a vector, `pending`
   * otherwise.
   */
  replaceFile(file: FileInput, chunks: ChunkDraft[]): ReplaceFileResult {
    return this.db.transaction(() => {
      this.files.upsert(file, 'pending', chunks.length, null)
      const { allEmbedded, tookOverIds, ...result } = this.chunks.replaceForFile(file, chunks)
      if (allEmbedded) this.files.markIndexed(file.path)
      if (tookOverIds) this.files.refreshChunkCounts()
      return result
    })
  }

  /**
   * Records that `path` could not be indexed. Its chunks are removed (a file that now fails must not answer
   * questions with stale text); returns them so the caller can drop their vectors. `stat` is null when the
   * file could not even be stat'ed: the previous size and mtime are kept then.
   */
  markFailed(path: string, code: ErrorCode, message: string, stat: { size: number; mtimeMs: number } | null): RemovedChunks {
    return this.db.transaction(() => {
      const removed = this.chunks.deleteForFile(path)
      const previous = this.files.get(path)
      this.files.upsertFailed(path, code, message, {
        size: stat?.size ?? previous?.size ?? 0,
        mtimeMs: stat?.mtimeMs ?? previous?.mtimeMs ?? 0,
      })
      return removed
    })
  }

  /** Forgets a file and its chunks; returns the removed chunks. */
  deleteFile(path: string): RemovedChunks {
    return this.db.transaction(() => {
      const removed = this.chunks.deleteForFile(path)
      this.files.delete(path)
      return removed
    })
  }

  /** Marks as indexed those of `paths` that are pending with no chunk left waiting for a vector; returns them. */
  completeFiles(paths: string[]): string[] {
    return this.db.transaction(() => {
      const done: string[] = []
      for (const path of paths) {
        if (this.files.isPending(path) && !this.chunks.hasPending(path)) {
          this.files.markIndexed(path)
          done.push(path)
        }
      }
      return done
    })
  }

  /** Every chunk needs a vector again (the embedding model changed); fully indexed files become pending. */
  resetEmbedded(): void {
    this.db.transaction(() => {
      this.chunks.clearEmbedded()
      this.files.markIndexedAsPending()
    })
  }

  /** Runs `fn` in one write transaction over every repository (nested calls become savepoints). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)
  }

  /** Closes the database; safe to call more than once. */
  dispose(): void {
    this.db.close()
  }
}
