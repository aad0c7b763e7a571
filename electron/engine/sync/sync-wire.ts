import { createHash } from 'node:crypto'
import { BATCH_MAX_OPERATIONS, SYNC_PROTOCOL_VERSION, type EmbeddingDescriptor, type SyncOperation } from '../../../shared/sync-protocol'
import type { BatchSummary } from '../store/sync-repository'

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

/** Base64 of the vector as little-endian float32 (the protocol's encoding, whatever the host's byte order). */
export function encodeVector(vector: ArrayLike<number>): string {
  const buffer = Buffer.alloc(vector.length * 4)
  for (let index = 0; index < vector.length; index += 1) buffer.writeFloatLE(vector[index], index * 4)
  return buffer.toString('base64')
}

export function decodeVector(base64: string): Float32Array {
  const buffer = Buffer.from(base64, 'base64')
  const vector = new Float32Array(buffer.length / 4)
  for (let index = 0; index < vector.length; index += 1) vector[index] = buffer.readFloatLE(index * 4)
  return vector
}

/** The descriptor of a local embedding model; `key` = SHA-256 of "modelId\ndimensions\n" + base64(fingerprint). */
export function embeddingDescriptor(model: { modelId: string; dimensions: number; fingerprint: ArrayLike<number> }): EmbeddingDescriptor {
  const fingerprint = Array.from(Float32Array.from(model.fingerprint))
  const key = sha256Hex(`${model.modelId}\n${model.dimensions}\n${encodeVector(fingerprint)}`)
  return { modelId: model.modelId, dimensions: model.dimensions, fingerprint, key }
}

/** chunksSha256 as the protocol defines it: SHA-256 of the ordered contentHashes joined by "\n". */
export function chunksSha256(contentHashes: string[]): string {
  return sha256Hex(contentHashes.join('\n'))
}

/** A batch ready to go: its exact body (resent byte for byte on retry) and what it carries. */
export interface PackedBatch {
  batchId: string
  body: string
  bytes: number
  operations: number
  summary: BatchSummary
}

/** One serialized operation with its contribution to the report. */
export interface PackedOperation {
  json: string
  bytes: number
  summary: { kind: 'upsert'; path: string; sha256: string; chunks: number; chunksSha256: string } | { kind: 'delete'; path: string } | { kind: 'move'; from: string; to: string }
}

export function packOperation(operation: SyncOperation): PackedOperation {
  const json = JSON.stringify(operation)
  const bytes = Buffer.byteLength(json)
  switch (operation.op) {
    case 'upsert':
      return {
        json,
        bytes,
        summary: { kind: 'upsert', path: operation.path, sha256: operation.sha256, chunks: operation.chunks.length, chunksSha256: operation.chunksSha256 },
      }
    case 'delete':
      return { json, bytes, summary: { kind: 'delete', path: operation.path } }
    case 'move':
      return { json, bytes, summary: { kind: 'move', from: operation.from, to: operation.to } }
  }
}

/** The request body of a batch. Built by hand from serialized operations so sizes add up exactly. */
export function batchBody(batchId: string, embedding: EmbeddingDescriptor | null, operationJsons: string[]): string {
  return `{"protocol":${SYNC_PROTOCOL_VERSION},"batchId":${JSON.stringify(batchId)},"embedding":${JSON.stringify(embedding)},"operations":[${operationJsons.join(',')}]}`
}

/** Fills batches up to a byte limit (the whole request body) and an operation count. */
export class BatchPacker {
  private operations: PackedOperation[] = []
  private bytes: number
  private readonly overhead: number

  constructor(
    private readonly embedding: EmbeddingDescriptor | null,
    private readonly maxBytes: number,
    private readonly newId: () => string,
    private readonly maxOperations = BATCH_MAX_OPERATIONS,
  ) {
    this.overhead = Buffer.byteLength(batchBody('00000000-0000-0000-0000-000000000000', embedding, []))
    this.bytes = this.overhead
  }

  /** Whether an operation could ever be sent under the limit (alone in its batch). */
  fitsAlone(operation: PackedOperation): boolean {
    return this.overhead + operation.bytes <= this.maxBytes
  }

  /** Adds an operation; returns the batch that had to be closed to make room, if any. */
  add(operation: PackedOperation): PackedBatch | null {
    const extra = operation.bytes + (this.operations.length > 0 ? 1 : 0)
    let closed: PackedBatch | null = null
    if (this.operations.length > 0 && (this.bytes + extra > this.maxBytes || this.operations.length >= this.maxOperations)) closed = this.take()
    this.bytes += operation.bytes + (this.operations.length > 0 ? 1 : 0)
    this.operations.push(operation)
    return closed
  }

  /** Closes the current batch; null when it is empty. */
  take(): PackedBatch | null {
    if (this.operations.length === 0) return null
    const batch = makeBatch(this.newId(), this.embedding, this.operations)
    this.operations = []
    this.bytes = this.overhead
    return batch
  }
}

export function makeBatch(batchId: string, embedding: EmbeddingDescriptor | null, operations: PackedOperation[]): PackedBatch {
  const body = batchBody(batchId, embedding, operations.map((operation) => operation.json))
  const summary: BatchSummary = { upserts: [], deletes: [], renames: [], embeddingKey: embedding?.key ?? null }
  for (const operation of operations) {
    const item = operation.summary
    if (item.kind === 'upsert') {
      summary.upserts.push({ path: item.path, sha256: item.sha256, chunks: item.chunks, bytes: operation.bytes, chunksSha256: item.chunksSha256 })
    }
    else if (item.kind === 'delete') summary.deletes.push(item.path)
    else summary.renames.push({ from: item.from, to: item.to })
  }
  return { batchId, body, bytes: Buffer.byteLength(body), operations: operations.length, summary }
}
