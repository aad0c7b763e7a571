import { z } from 'zod'

/**
 * The notes-sync wire protocol between notes-rag (client) and the homelab gateway (server). These schemas are the
 * contract: docs/gateway-sync.md explains them and docs/gateway-sync.openapi.json is generated from them, and the
 * test server validates every request with them.
 */

/** Bumped only for incompatible changes; the server answers 400 to a protocol it does not speak. */
export const SYNC_PROTOCOL_VERSION = 1

/** Endpoint paths, relative to the gateway base URL (which already ends in `/v1`). */
export const SYNC_ENDPOINTS = {
  manifest: '/notes-sync/manifest',
  batches: '/notes-sync/batches',
} as const

export const MANIFEST_PAGE_DEFAULT = 1000
export const MANIFEST_PAGE_MAX = 5000
/** At most this many operations in one batch, whatever their bytes. */
export const BATCH_MAX_OPERATIONS = 2000

const SHA256_PATTERN = /^[0-9a-f]{64}$/
// Relative, forward slashes, no empty, "." or ".." segment, no backslash or NUL: a path can never escape the
// server's notes root.
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is matched on purpose, to refuse it.
const NOTE_PATH_PATTERN = /^(?!\/)(?!.*\/\/)(?!.*\/$)(?!(?:.*\/)?\.\.?(?:\/|$))[^\\\u0000]+$/
// Standard base64 (RFC 4648 section 4) with padding.
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export const sha256HexSchema = z.string().regex(SHA256_PATTERN).describe('Lower-case hex SHA-256 (64 characters).')

export const notePathSchema = z
  .string()
  .min(1)
  .max(1024)
  .regex(NOTE_PATH_PATTERN)
  .describe('Path relative to the notes folder, forward slashes, no "." or ".." segments, e.g. "weekly/2023-W14.md".')

export const isoDateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).describe('Calendar date YYYY-MM-DD.')

/** The embedding model the client's vectors come from; lets the server detect embedding skew. */
export const embeddingDescriptorSchema = z
  .object({
    modelId: z.string().min(1).max(512).describe('Embedding model id, e.g. "Xenova/bge-small-en-v1.5".'),
    dimensions: z.number().int().min(1).max(8192),
    fingerprint: z
      .array(z.number())
      .min(1)
      .max(8192)
      .describe('The normalised vector of FINGERPRINT_PROBE embedded as a query; length = dimensions.'),
    key: sha256HexSchema.describe('Opaque identity of this descriptor (see docs); the manifest echoes it per file.'),
  })
  .describe('Embedding model descriptor.')

export const notePeriodSchema = z
  .object({
    start: isoDateSchema,
    end: isoDateSchema,
    source: z.enum(['front-matter', 'file-name', 'heading', 'mtime']),
    inferred: z.boolean().describe('True only when the period fell back to the file modification time.'),
  })
  .describe('Inclusive range of days the note covers.')

export const syncChunkSchema = z
  .object({
    id: z.string().min(1).max(256).describe("The client's chunk id (stable for the same path, position and text)."),
    ordinal: z.number().int().min(0).describe('0-based position in the note; ordinals are 0..n-1 in order.'),
    headingPath: z.array(z.string()).describe('Note label first, then the headings, e.g. ["2023-W14", "Done"].'),
    startLine: z.number().int().min(1).describe('1-based, inclusive, in the file content (front matter counted).'),
    endLine: z.number().int().min(1),
    text: z.string().describe('The chunk markdown as written in the note.'),
    embedText: z.string().describe('Exactly the text the client embedded (heading path and week, then the text).'),
    contentHash: sha256HexSchema.describe('SHA-256 of embedText (UTF-8).'),
    vector: z
      .string()
      .regex(BASE64_PATTERN)
      .nullable()
      .describe('Base64 of dimensions little-endian IEEE-754 float32 values; null exactly when the batch embedding is null.'),
  })
  .describe('One chunk of a note.')

export const upsertOperationSchema = z
  .object({
    op: z.literal('upsert'),
    path: notePathSchema,
    sha256: sha256HexSchema.describe('SHA-256 of the file bytes (UTF-8 of content).'),
    size: z.number().int().min(0).describe('Byte length of the file.'),
    content: z.string().describe('The whole file, UTF-8.'),
    period: notePeriodSchema,
    label: z.string().describe('Period label, e.g. "2023-W14", "2024-03-11" or "2023-04-03..2023-04-09".'),
    chunksSha256: sha256HexSchema.describe('SHA-256 of the chunk contentHashes in ordinal order, joined by "\\n".'),
    chunks: z.array(syncChunkSchema).max(100_000),
  })
  .describe('Create or replace the note at path with this content and these chunks.')

export const moveOperationSchema = z
  .object({
    op: z.literal('move'),
    from: notePathSchema,
    to: notePathSchema,
    sha256: sha256HexSchema.describe('Must equal the stored sha256 at from.'),
    chunksSha256: sha256HexSchema.describe('Must equal the stored chunksSha256 at from.'),
    period: notePeriodSchema,
    label: z.string(),
    chunkIds: z.array(z.string().min(1).max(256)).describe('New chunk ids by ordinal; length = stored chunk count.'),
  })
  .describe('Rename: the stored note (content, chunks, vectors) moves from "from" to "to", replacing any note at "to".')

export const deleteOperationSchema = z
  .object({
    op: z.literal('delete'),
    path: notePathSchema,
  })
  .describe('Forget the note at path with its chunks and vectors; deleting an absent path succeeds.')

export const syncOperationSchema = z.discriminatedUnion('op', [upsertOperationSchema, moveOperationSchema, deleteOperationSchema])

/** POST {base}/notes-sync/batches request body. */
export const batchRequestSchema = z
  .object({
    protocol: z.literal(SYNC_PROTOCOL_VERSION),
    batchId: z.string().regex(UUID_PATTERN).describe('Client-chosen lower-case UUID; a retried batch reuses it.'),
    embedding: embeddingDescriptorSchema.nullable().describe('null: the batch carries text only (every vector is null).'),
    operations: z.array(syncOperationSchema).min(1).max(BATCH_MAX_OPERATIONS),
  })
  .superRefine((batch, context) => {
    const seen = new Set<string>()
    const claim = (path: string, where: (string | number)[]) => {
      if (seen.has(path)) context.addIssue({ code: 'custom', message: `Path ${path} appears twice in one batch`, path: where })
      seen.add(path)
    }
    batch.operations.forEach((operation, index) => {
      if (operation.op === 'move') {
        claim(operation.from, ['operations', index, 'from'])
        claim(operation.to, ['operations', index, 'to'])
        return
      }
      claim(operation.path, ['operations', index, 'path'])
      if (operation.op !== 'upsert') return
      operation.chunks.forEach((chunk, chunkIndex) => {
        const where = ['operations', index, 'chunks', chunkIndex]
        if (chunk.ordinal !== chunkIndex) context.addIssue({ code: 'custom', message: 'Chunk ordinals must be 0..n-1 in order', path: where })
        if (chunk.endLine < chunk.startLine) context.addIssue({ code: 'custom', message: 'endLine is before startLine', path: where })
        if ((chunk.vector === null) !== (batch.embedding === null)) {
          context.addIssue({ code: 'custom', message: 'A vector must be present exactly when the batch has an embedding', path: [...where, 'vector'] })
        } else if (chunk.vector !== null && batch.embedding !== null) {
          const bytes = base64ByteLength(chunk.vector)
          if (bytes !== batch.embedding.dimensions * 4) {
            context.addIssue({ code: 'custom', message: `Vector has ${bytes} bytes, expected ${batch.embedding.dimensions * 4}`, path: [...where, 'vector'] })
          }
        }
      })
    })
    if (batch.embedding && batch.embedding.fingerprint.length !== batch.embedding.dimensions) {
      context.addIssue({ code: 'custom', message: 'The fingerprint length must equal dimensions', path: ['embedding', 'fingerprint'] })
    }
  })
  .describe('A batch of operations applied atomically, in order.')

export const operationResultSchema = z
  .object({
    op: z.enum(['upsert', 'move', 'delete']),
    path: notePathSchema.describe('The upserted or deleted path; for a move, the destination.'),
    from: notePathSchema.optional().describe('Moves only: the source path.'),
    status: z
      .enum(['applied', 'unchanged', 'conflict'])
      .describe('applied: the store changed; unchanged: it already held exactly this; conflict: a move whose source did not match (nothing changed).'),
    vectors: z
      .enum(['stored', 're-embedded', 'none'])
      .optional()
      .describe('Upserts only: client vectors kept, text re-embedded by the server model (skew), or text only.'),
    message: z.string().optional(),
  })
  .describe('What happened to one operation.')

/** POST {base}/notes-sync/batches response body (200). */
export const batchResponseSchema = z
  .object({
    protocol: z.literal(SYNC_PROTOCOL_VERSION),
    batchId: z.string().regex(UUID_PATTERN),
    replayed: z.boolean().describe('true when this batch id was already applied and this is the stored result.'),
    baseRevision: z.string().min(1).max(200).describe('The manifest revision just before this batch was applied.'),
    revision: z.string().min(1).max(200).describe('The manifest revision just after.'),
    results: z.array(operationResultSchema).describe('One per operation, in request order.'),
  })
  .describe('The result of a batch.')

export const manifestEntrySchema = z
  .object({
    path: notePathSchema,
    sha256: sha256HexSchema,
    chunkCount: z.number().int().min(0),
    chunksSha256: sha256HexSchema,
    embeddingKey: sha256HexSchema.nullable().describe('The batch embedding.key the note was last sent with; null if sent as text only.'),
  })
  .describe('What the server holds for one note.')

/** GET {base}/notes-sync/manifest query. */
export const manifestQuerySchema = z
  .object({
    cursor: z.string().min(1).max(2048).optional().describe('nextCursor of the previous page; absent for the first page.'),
    limit: z.string().regex(/^[1-9]\d{0,3}$/).optional().describe(`Entries per page, 1..${MANIFEST_PAGE_MAX}, default ${MANIFEST_PAGE_DEFAULT}.`),
  })
  .strict()

/** GET {base}/notes-sync/manifest response body (200). */
export const manifestPageSchema = z
  .object({
    protocol: z.literal(SYNC_PROTOCOL_VERSION),
    revision: z.string().min(1).max(200).describe('Changes whenever the stored notes change; also sent as the ETag.'),
    files: z.array(manifestEntrySchema).describe('Sorted by path (UTF-16 code unit order).'),
    nextCursor: z.string().min(1).max(2048).nullable().describe('null on the last page.'),
    limits: z
      .object({
        maxBatchBytes: z.number().int().min(1024).describe('Largest request body the server accepts; bigger gets 413.'),
      })
      .describe('Server limits the client adapts to.'),
  })
  .describe('One page of the server manifest.')

export const SYNC_ERROR_CODES = ['invalid-request', 'unauthorized', 'payload-too-large', 'batch-id-reused', 'rate-limited', 'unsupported-protocol', 'internal'] as const

/** Body of every non-2xx response. */
export const errorResponseSchema = z
  .object({
    error: z.object({
      code: z.enum(SYNC_ERROR_CODES),
      message: z.string(),
    }),
  })
  .describe('Error body.')

export type EmbeddingDescriptor = z.infer<typeof embeddingDescriptorSchema>
export type SyncChunk = z.infer<typeof syncChunkSchema>
export type UpsertOperation = z.infer<typeof upsertOperationSchema>
export type MoveOperation = z.infer<typeof moveOperationSchema>
export type DeleteOperation = z.infer<typeof deleteOperationSchema>
export type SyncOperation = z.infer<typeof syncOperationSchema>
export type BatchRequest = z.infer<typeof batchRequestSchema>
export type OperationResult = z.infer<typeof operationResultSchema>
export type BatchResponse = z.infer<typeof batchResponseSchema>
export type ManifestEntry = z.infer<typeof manifestEntrySchema>
export type ManifestQuery = z.infer<typeof manifestQuerySchema>
export type ManifestPage = z.infer<typeof manifestPageSchema>
export type SyncErrorCode = (typeof SYNC_ERROR_CODES)[number]
export type ErrorResponse = z.infer<typeof errorResponseSchema>

/** Decoded size of a padded base64 string. */
export function base64ByteLength(value: string): number {
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0
  return (value.length / 4) * 3 - padding
}
