import type { AnswerEnd } from '../../../shared/answer'
import type { ErrorCode } from '../../../shared/errors'
import type { NotePeriod, PeriodSource } from '../../../shared/period'
import type { ChunkDraft } from '../chunker/types'

/** One row of the manifest: what the index knows about a file on disk. */
export interface FileRecord {
  /** Relative to the watched folder, forward slashes. */
  path: string
  size: number
  mtimeMs: number
  sha256: string
  /** `indexed`: chunks and (when a model is loaded) vectors are complete. `pending`: written, vectors not yet. */
  status: 'indexed' | 'pending' | 'failed'
  errorCode: ErrorCode | null
  errorMessage: string | null
  period: NotePeriod | null
  label: string | null
  chunkCount: number
  indexedAt: string | null
}

/** A chunk as stored in SQLite (the source of truth for what is indexed). */
export interface ChunkRecord extends ChunkDraft {
  path: string
  periodStart: string
  periodEnd: string
  periodSource: PeriodSource
  periodInferred: boolean
  title: string | null
  fields: string
  /** Whether the active vector table has this chunk's vector. */
  embedded: boolean
}

/** One FTS5 match, best first by bm25. */
export interface KeywordHit {
  chunkId: string
  /** bm25 rank, lower is better (SQLite convention). */
  rank: number
  /** FTS5 snippet() with SNIPPET_MARK_START / SNIPPET_MARK_END around matched terms. */
  snippet: string
}

/** Restricts keyword, vector and period queries; every set field must hold. */
export interface ChunkFilter {
  /** Chunks whose period overlaps [start, end] (ISO dates, inclusive). */
  period?: { start: string; end: string } | null
  /** Path prefix, relative to the folder ("projects/"). */
  pathPrefix?: string | null
}

/** The record of the embedding model an index (a vector table) was built with. */
export interface EmbeddingModelRecord {
  /** Vector table name in LanceDB, derived from model id and dimensions. */
  table: string
  modelId: string
  dimensions: number
  /** The probe sentence's vector (see Embedder.fingerprint). */
  fingerprint: number[]
  /** 'building' until every chunk has a vector in it; the active table switches only when 'complete'. */
  state: 'building' | 'complete'
  createdAt: string
}

/** A row of the LanceDB vector table. */
export interface VectorRow {
  id: string
  contentHash: string
  path: string
  periodStart: string
  periodEnd: string
  vector: Float32Array | number[]
}

/** One nearest-neighbour match from the vector table. */
export interface VectorHit {
  id: string
  /** Cosine distance, lower is better. */
  distance: number
}

/** What `replaceFile` writes to the manifest. */
export interface FileInput {
  path: string
  size: number
  mtimeMs: number
  sha256: string
  period: NotePeriod
  label: string
}

/** A removed chunk whose vector row is still in the table: reusable by content hash until the next embedding pass. */
export interface RemovedVector {
  id: string
  contentHash: string
}

/** The chunks a write removed. */
export interface RemovedChunks {
  /** Chunk ids that no longer exist: delete their vector rows. */
  removedIds: string[]
  /** Those of the file's removed chunks that had a vector. */
  removedVectors: RemovedVector[]
}

/** What `replaceFile` changed. */
export interface ReplaceFileResult extends RemovedChunks {
  /** Chunks that need a vector row written: new ids, and kept ids whose period changed (their vector row is stale). */
  added: ChunkRecord[]
  /** Chunk ids left exactly as they were (their `embedded` flag kept). */
  keptIds: string[]
}

/** The fields a vector row copies from its chunk, with the chunk's `embedded` flag. */
export interface ChunkVectorState {
  path: string
  contentHash: string
  periodStart: string
  periodEnd: string
  embedded: boolean
}

/** A message to append to a conversation. */
export interface MessageInput {
  role: 'user' | 'assistant'
  content: string
  answer: Omit<AnswerEnd, 'text'> | null
}
