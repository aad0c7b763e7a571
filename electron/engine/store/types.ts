import type { ErrorCode } from '../../../shared/errors'
import type { NotePeriod } from '../../../shared/period'
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
  /** Whether the active vector table has this chunk's vector. */
  embedded: boolean
}

export interface KeywordHit {
  chunkId: string
  /** bm25 rank, lower is better (SQLite convention). */
  rank: number
  /** FTS5 snippet() with SNIPPET_MARK_START / SNIPPET_MARK_END around matched terms. */
  snippet: string
}

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

export interface VectorHit {
  id: string
  /** Cosine distance, lower is better. */
  distance: number
}
