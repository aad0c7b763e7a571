import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { throwIfAborted } from '../../../shared/errors'
import { coarsePeriodSource } from '../../../shared/period'
import type { MoveOperation, SyncChunk, UpsertOperation } from '../../../shared/sync-protocol'
import type { MetaStore } from '../store/meta-store'
import type { ChunkRecord, FileRecord } from '../store/types'
import type { LocalSyncFile } from './plan-sync'
import type { PassContext, SkipReason } from './sync-pass-context'
import { chunksSha256, encodeVector, sha256Hex } from './sync-wire'

/** An upsert ready to pack, or why the file is not sent this pass. */
export type BuiltUpsert = { operation: UpsertOperation } | { path: string; skip: SkipReason }

/**
 * The chunks of `path` if they are still the ones the plan hashed: the index may have changed while the pass was
 * sending (the indexer runs meanwhile), and half old, half new would be a mix.
 */
function currentChunks(meta: MetaStore, path: string, planned: string): ChunkRecord[] | null {
  const chunks = meta.chunks.forFile(path)
  return chunksSha256(chunks.map((chunk) => chunk.contentHash)) === planned ? chunks : null
}

function wirePeriod(record: FileRecord & { period: NonNullable<FileRecord['period']> }): UpsertOperation['period'] {
  return { start: record.period.start, end: record.period.end, source: coarsePeriodSource(record.period.source), inferred: record.period.inferred }
}

function describable(record: FileRecord | undefined): record is FileRecord & { period: NonNullable<FileRecord['period']>; label: string } {
  return record !== undefined && record.period !== null && record.label !== null
}

/** A server-side rename from `from` to `to`, or null when the index no longer matches the plan. */
export function moveOperation(meta: MetaStore, context: PassContext, from: string, to: string, file: LocalSyncFile): MoveOperation | null {
  const record = context.local?.records.get(to)
  if (!describable(record)) return null
  const chunks = currentChunks(meta, to, file.chunksSha256)
  if (!chunks) return null
  return {
    op: 'move',
    from,
    to,
    sha256: file.sha256,
    chunksSha256: file.chunksSha256,
    period: wirePeriod(record),
    label: record.label,
    chunkIds: chunks.map((chunk) => chunk.id),
  }
}

/**
 * Upserts for a group of planned files: their chunks from the index, their vectors in one query, their text from
 * disk (checked against the manifest's hash, so what is sent is what was chunked).
 */
export async function upsertOperations(meta: MetaStore, files: LocalSyncFile[], context: PassContext): Promise<BuiltUpsert[]> {
  const folder = context.config.settings.folder
  const prepared = files.map((file) => ({ file, record: context.local?.records.get(file.path), chunks: currentChunks(meta, file.path, file.chunksSha256) }))
  let vectorMap: Map<string, Float32Array> | null = null
  if (context.vectors) {
    const ids = prepared.flatMap((item) => (item.chunks ?? []).map((chunk) => chunk.id))
    vectorMap = ids.length > 0 ? await context.vectors.store.vectorsByIds(context.vectors.table, ids) : new Map()
  }
  const results: BuiltUpsert[] = []
  for (const { file, record, chunks } of prepared) {
    throwIfAborted(context.signal)
    const changed = () => results.push({ path: file.path, skip: 'changed-since-indexing' })
    if (!folder || !describable(record) || record.sha256 !== file.sha256 || !chunks) {
      changed()
      continue
    }
    let bytes: Buffer
    try {
      bytes = await readFile(path.join(folder, ...file.path.split('/')))
    } catch {
      results.push({ path: file.path, skip: 'unreadable' })
      continue
    }
    // The index and the disk disagree until the indexer catches up; sending either half would be a mix.
    if (sha256Hex(bytes) !== file.sha256) {
      changed()
      continue
    }
    const syncChunks = toSyncChunks(chunks, vectorMap)
    if (!syncChunks) {
      results.push({ path: file.path, skip: 'vectors-missing' })
      continue
    }
    results.push({
      operation: {
        op: 'upsert',
        path: file.path,
        sha256: file.sha256,
        size: bytes.length,
        content: bytes.toString('utf8'),
        period: wirePeriod(record),
        label: record.label,
        chunksSha256: file.chunksSha256,
        chunks: syncChunks,
      },
    })
  }
  return results
}

/** The wire chunks, each with its vector when vectors are sent; null when a vector is missing. */
function toSyncChunks(chunks: ChunkRecord[], vectorMap: Map<string, Float32Array> | null): SyncChunk[] | null {
  const syncChunks: SyncChunk[] = []
  for (const chunk of chunks) {
    let vector: string | null = null
    if (vectorMap) {
      const found = vectorMap.get(chunk.id)
      if (!found) return null
      vector = encodeVector(found)
    }
    syncChunks.push({
      id: chunk.id,
      ordinal: chunk.ordinal,
      headingPath: chunk.headingPath,
      startLine: chunk.startLine,
      endLine: chunk.endLine,
      text: chunk.text,
      embedText: chunk.embedText,
      contentHash: chunk.contentHash,
      vector,
    })
  }
  return syncChunks
}
