import { createHash } from 'node:crypto'
import {
  MANIFEST_PAGE_DEFAULT, MANIFEST_PAGE_MAX, SYNC_PROTOCOL_VERSION, batchRequestSchema, manifestQuerySchema,
  type BatchRequest, type BatchResponse, type ManifestPage, type OperationResult, type UpsertOperation,
} from '../../shared/sync-protocol'
import { decodeVector } from '../../electron/engine/sync/sync-wire'
import { USER_COLUMNS, toUser, type ServiceUser } from '../auth/user-store'
import type { Database, Queryable } from '../db/database'
import { toPgVector, type ModelPool } from '../embedding/model-pool'
import { ServiceError } from '../http/service-error'
import { decideVectors, type VectorDecision } from './embedding-decision'
import { batchHashProblem } from './verify-batch'

export interface NotesSyncOptions {
  db: Database
  models: ModelPool
  maxBatchBytes: number
  skew: 're-embed' | 'refuse'
}

interface StoredHead {
  path: string
  sha256: string
  chunks_sha256: string
  chunk_count: number
  embedding_key: string | null
}

/** The receiving end of the notes-sync contract (docs/gateway-sync.md): manifest pages and atomic, idempotent batches. */
export class NotesSync {
  constructor(private readonly options: NotesSyncOptions) {}

  /** The revision string of a user: changes whenever the stored notes change, and differs between databases. */
  static revisionOf(user: Pick<ServiceUser, 'id' | 'revision'>, epoch: string): string {
    return `${epoch}.${user.id}.${user.revision}`
  }

  async manifest(user: ServiceUser, query: Record<string, string>, ifNoneMatch: string | undefined, epoch: string): Promise<{ status: 200; page: ManifestPage; etag: string } | { status: 304; etag: string }> {
    const parsed = manifestQuerySchema.safeParse(query)
    if (!parsed.success) throw new ServiceError(400, 'invalid-request', `Bad manifest query: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`)
    const fresh = await this.reloadUser(this.options.db, user.id)
    const revision = NotesSync.revisionOf(fresh, epoch)
    const etag = `"${revision}"`
    if (!parsed.data.cursor && ifNoneMatch === etag) return { status: 304, etag }
    const limit = Math.min(MANIFEST_PAGE_MAX, parsed.data.limit ? Number(parsed.data.limit) : MANIFEST_PAGE_DEFAULT)
    let after: string | null = null
    if (parsed.data.cursor) {
      after = Buffer.from(parsed.data.cursor, 'base64url').toString('utf8')
      if (!after) throw new ServiceError(400, 'invalid-request', 'Unknown cursor.')
    }
    // COLLATE "C" orders by code point, which is JavaScript's order for every path outside the surrogate range.
    const { rows } = await this.options.db.query<StoredHead>(
      `SELECT path, sha256, chunks_sha256, chunk_count, embedding_key FROM notes
       WHERE user_id = $1 AND ($2::text IS NULL OR path COLLATE "C" > $2::text COLLATE "C")
       ORDER BY path COLLATE "C" LIMIT $3`,
      [user.id, after, limit + 1],
    )
    const more = rows.length > limit
    const files = rows.slice(0, limit).map((row) => ({
      path: row.path,
      sha256: row.sha256,
      chunkCount: row.chunk_count,
      chunksSha256: row.chunks_sha256,
      embeddingKey: row.embedding_key,
    }))
    return {
      status: 200,
      etag,
      page: {
        protocol: SYNC_PROTOCOL_VERSION,
        revision,
        files,
        nextCursor: more ? Buffer.from(files[files.length - 1].path, 'utf8').toString('base64url') : null,
        limits: { maxBatchBytes: this.options.maxBatchBytes },
      },
    }
  }

  /** Validates and applies one batch body; a known batch id with the same body is answered from storage (replay). */
  async applyBatch(user: ServiceUser, body: Buffer, epoch: string): Promise<BatchResponse> {
    if (body.length > this.options.maxBatchBytes) {
      throw new ServiceError(413, 'payload-too-large', `The body has ${body.length} bytes; the limit is ${this.options.maxBatchBytes}.`)
    }
    let json: unknown
    try {
      json = JSON.parse(body.toString('utf8'))
    } catch {
      throw new ServiceError(400, 'invalid-request', 'The body is not JSON.')
    }
    if (json && typeof json === 'object' && 'protocol' in json && json.protocol !== SYNC_PROTOCOL_VERSION) {
      throw new ServiceError(400, 'unsupported-protocol', `Protocol ${String(json.protocol)} is not supported; this service speaks ${SYNC_PROTOCOL_VERSION}.`)
    }
    const parsed = batchRequestSchema.safeParse(json)
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      throw new ServiceError(400, 'invalid-request', `Bad batch: ${issues.join('; ')}`)
    }
    const batch = parsed.data
    const bodyHash = createHash('sha256').update(body).digest('hex')
    // A known id first: its replay is answered as stored, its reuse with another body is a 409, whatever that body holds.
    const replay = await this.storedResponse(this.options.db, user.id, batch.batchId, bodyHash)
    if (replay) return replay
    const problem = batchHashProblem(batch)
    if (problem) throw new ServiceError(400, 'invalid-request', problem)

    // Model loading and re-embedding are slow: done before the transaction, which then only writes.
    const { decision, indexModel } = await decideVectors(user, batch.embedding, this.options.models, this.options.skew)
    const vectors = await this.vectorsFor(batch, decision)

    return this.options.db.transaction(async (tx) => {
      // One batch at a time per user, across every instance sharing the database.
      const locked = await tx.query(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1 FOR UPDATE`, [user.id])
      const current = toUser(locked.rows[0])
      const again = await this.storedResponse(tx, user.id, batch.batchId, bodyHash)
      if (again) return again
      if (indexModel && !current.indexFingerprint) {
        await tx.query('UPDATE users SET index_model = $2, index_model_id = $3, index_dimensions = $4, index_fingerprint = $5 WHERE id = $1', [
          user.id, indexModel.source, indexModel.modelId, indexModel.dimensions, indexModel.fingerprint,
        ])
      }
      const results = await this.applyOperations(tx, user.id, batch, decision, vectors)
      const changed = results.some((result) => result.status === 'applied')
      const baseRevision = NotesSync.revisionOf(current, epoch)
      let revision = baseRevision
      if (changed) {
        const next = await tx.query<{ revision: string }>('UPDATE users SET revision = revision + 1 WHERE id = $1 RETURNING revision', [user.id])
        revision = NotesSync.revisionOf({ id: user.id, revision: Number(next.rows[0].revision) }, epoch)
      }
      const response: BatchResponse = { protocol: SYNC_PROTOCOL_VERSION, batchId: batch.batchId, replayed: false, baseRevision, revision, results }
      // Remembered in the same transaction that applied it: "applied" and "remembered" cannot disagree.
      await tx.query('INSERT INTO batches (user_id, batch_id, body_sha256, response) VALUES ($1, $2, $3, $4)', [user.id, batch.batchId, bodyHash, JSON.stringify(response)])
      return response
    })
  }

  /** Forgets remembered batches older than `days` (the contract asks for at least 30). */
  async pruneBatches(days: number): Promise<number> {
    const { rows } = await this.options.db.query(`DELETE FROM batches WHERE created_at < now() - ($1::int * interval '1 day') RETURNING batch_id`, [Math.max(30, days)])
    return rows.length
  }

  private async storedResponse(db: Queryable, userId: number, batchId: string, bodyHash: string): Promise<BatchResponse | null> {
    const { rows } = await db.query<{ body_sha256: string; response: BatchResponse | string }>('SELECT body_sha256, response FROM batches WHERE user_id = $1 AND batch_id = $2', [userId, batchId])
    if (rows.length === 0) return null
    if (rows[0].body_sha256 !== bodyHash) throw new ServiceError(409, 'batch-id-reused', 'This batch id was used for a different body.')
    const stored = typeof rows[0].response === 'string' ? (JSON.parse(rows[0].response) as BatchResponse) : rows[0].response
    return { ...stored, replayed: true }
  }

  private async reloadUser(db: Queryable, id: number): Promise<ServiceUser> {
    const { rows } = await db.query(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id])
    if (rows.length === 0) throw new ServiceError(401, 'unauthorized', 'The user no longer exists.')
    return toUser(rows[0])
  }

  /** pgvector text per chunk of each upsert (null: text only), keyed by operation index. */
  private async vectorsFor(batch: BatchRequest, decision: VectorDecision): Promise<Map<number, Array<string | null>>> {
    const out = new Map<number, Array<string | null>>()
    for (const [index, operation] of batch.operations.entries()) {
      if (operation.op !== 'upsert') continue
      if (decision.kind === 'none') out.set(index, operation.chunks.map(() => null))
      else if (decision.kind === 'stored') out.set(index, operation.chunks.map((chunk) => (chunk.vector ? toPgVector(decodeVector(chunk.vector)) : null)))
      else {
        const embedded = await decision.model.embedder.embedPassages(operation.chunks.map((chunk) => chunk.embedText))
        out.set(index, embedded.map((vector) => toPgVector(vector)))
      }
    }
    return out
  }

  private async applyOperations(tx: Queryable, userId: number, batch: BatchRequest, decision: VectorDecision, vectors: Map<number, Array<string | null>>): Promise<OperationResult[]> {
    const paths = batch.operations.flatMap((operation) => (operation.op === 'move' ? [operation.from, operation.to] : [operation.path]))
    const { rows } = await tx.query<StoredHead>('SELECT path, sha256, chunks_sha256, chunk_count, embedding_key FROM notes WHERE user_id = $1 AND path = ANY($2::text[])', [userId, paths])
    const heads = new Map(rows.map((row) => [row.path, row]))
    const key = batch.embedding?.key ?? null
    const vectorStatus = decision.kind
    const results: OperationResult[] = []
    for (const [index, operation] of batch.operations.entries()) {
      if (operation.op === 'delete') {
        const existed = heads.has(operation.path)
        if (existed) await tx.query('DELETE FROM notes WHERE user_id = $1 AND path = $2', [userId, operation.path])
        heads.delete(operation.path)
        results.push({ op: 'delete', path: operation.path, status: existed ? 'applied' : 'unchanged' })
      } else if (operation.op === 'move') {
        const source = heads.get(operation.from)
        if (!source || source.sha256 !== operation.sha256 || source.chunks_sha256 !== operation.chunksSha256 || source.chunk_count !== operation.chunkIds.length) {
          results.push({ op: 'move', path: operation.to, from: operation.from, status: 'conflict', message: 'The source does not match what the service holds.' })
          continue
        }
        if (heads.has(operation.to)) await tx.query('DELETE FROM notes WHERE user_id = $1 AND path = $2', [userId, operation.to])
        // ON UPDATE CASCADE carries the chunks (and their vectors) to the new path.
        await tx.query(
          'UPDATE notes SET path = $3, period_start = $4, period_end = $5, period_source = $6, period_inferred = $7, label = $8 WHERE user_id = $1 AND path = $2',
          [userId, operation.from, operation.to, operation.period.start, operation.period.end, operation.period.source, operation.period.inferred, operation.label],
        )
        await tx.query(
          `UPDATE chunks c SET id = t.id, period_start = $3, period_end = $4, heading_path = jsonb_set(c.heading_path, '{0}', to_jsonb($5::text))
           FROM unnest($6::int[], $7::text[]) AS t(ordinal, id) WHERE c.user_id = $1 AND c.path = $2 AND c.ordinal = t.ordinal`,
          [userId, operation.to, operation.period.start, operation.period.end, operation.label, operation.chunkIds.map((_, ordinal) => ordinal), operation.chunkIds],
        )
        heads.delete(operation.from)
        heads.set(operation.to, { ...source, path: operation.to })
        results.push({ op: 'move', path: operation.to, from: operation.from, status: 'applied' })
      } else {
        const existing = heads.get(operation.path)
        if (existing && existing.sha256 === operation.sha256 && existing.chunks_sha256 === operation.chunksSha256 && existing.embedding_key === key) {
          results.push({ op: 'upsert', path: operation.path, status: 'unchanged', vectors: vectorStatus })
          continue
        }
        await this.writeNote(tx, userId, operation, key, vectors.get(index)!, existing !== undefined)
        heads.set(operation.path, { path: operation.path, sha256: operation.sha256, chunks_sha256: operation.chunksSha256, chunk_count: operation.chunks.length, embedding_key: key })
        results.push({ op: 'upsert', path: operation.path, status: 'applied', vectors: vectorStatus })
      }
    }
    return results
  }

  private async writeNote(tx: Queryable, userId: number, note: UpsertOperation, key: string | null, vectors: Array<string | null>, existed: boolean): Promise<void> {
    if (existed) await tx.query('DELETE FROM notes WHERE user_id = $1 AND path = $2', [userId, note.path])
    await tx.query(
      `INSERT INTO notes (user_id, path, sha256, size, content, period_start, period_end, period_source, period_inferred, label, chunks_sha256, chunk_count, embedding_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [userId, note.path, note.sha256, note.size, note.content, note.period.start, note.period.end, note.period.source, note.period.inferred, note.label, note.chunksSha256, note.chunks.length, key],
    )
    if (note.chunks.length === 0) return
    await tx.query(
      `INSERT INTO chunks (user_id, path, ordinal, id, heading_path, start_line, end_line, text, embed_text, content_hash, period_start, period_end, embedding)
       SELECT $1, $2, t.ordinal, t.id, t.heading::jsonb, t.start_line, t.end_line, t.text, t.embed_text, t.content_hash, $3, $4, t.embedding::vector
       FROM unnest($5::int[], $6::text[], $7::text[], $8::int[], $9::int[], $10::text[], $11::text[], $12::text[], $13::text[])
         AS t(ordinal, id, heading, start_line, end_line, text, embed_text, content_hash, embedding)`,
      [
        userId, note.path, note.period.start, note.period.end,
        note.chunks.map((chunk) => chunk.ordinal),
        note.chunks.map((chunk) => chunk.id),
        note.chunks.map((chunk) => JSON.stringify(chunk.headingPath)),
        note.chunks.map((chunk) => chunk.startLine),
        note.chunks.map((chunk) => chunk.endLine),
        note.chunks.map((chunk) => chunk.text),
        note.chunks.map((chunk) => chunk.embedText),
        note.chunks.map((chunk) => chunk.contentHash),
        vectors,
      ],
    )
  }
}
