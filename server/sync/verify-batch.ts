import { createHash } from 'node:crypto'
import type { BatchRequest } from '../../shared/sync-protocol'

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

/** The rules the schema cannot express: every hash and size must describe what it claims to. Null when all hold. */
export function batchHashProblem(batch: BatchRequest): string | null {
  for (const operation of batch.operations) {
    if (operation.op !== 'upsert') continue
    if (sha256(operation.content) !== operation.sha256) return `${operation.path}: sha256 is not the SHA-256 of content`
    if (Buffer.byteLength(operation.content, 'utf8') !== operation.size) return `${operation.path}: size is not the byte length of content`
    for (const chunk of operation.chunks) {
      if (sha256(chunk.embedText) !== chunk.contentHash) return `${operation.path}: chunk ${chunk.ordinal} contentHash does not match embedText`
      if (chunk.endLine < chunk.startLine) return `${operation.path}: chunk ${chunk.ordinal} ends before it starts`
    }
    if (sha256(operation.chunks.map((chunk) => chunk.contentHash).join('\n')) !== operation.chunksSha256) {
      return `${operation.path}: chunksSha256 does not match the chunks`
    }
  }
  return null
}
