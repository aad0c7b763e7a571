import { z } from 'zod'
import {
  MANIFEST_PAGE_DEFAULT,
  MANIFEST_PAGE_MAX,
  SYNC_ENDPOINTS,
  batchRequestSchema,
  batchResponseSchema,
  deleteOperationSchema,
  embeddingDescriptorSchema,
  errorResponseSchema,
  manifestEntrySchema,
  manifestPageSchema,
  moveOperationSchema,
  notePeriodSchema,
  operationResultSchema,
  syncChunkSchema,
  upsertOperationSchema,
} from '../../../shared/sync-protocol'

/** The OpenAPI 3.1 description of notes-sync, generated from the same zod schemas the client and test server use. */
export function openApiDocument(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>()
  const named: Array<[string, z.ZodType]> = [
    ['EmbeddingDescriptor', embeddingDescriptorSchema],
    ['NotePeriod', notePeriodSchema],
    ['SyncChunk', syncChunkSchema],
    ['UpsertOperation', upsertOperationSchema],
    ['MoveOperation', moveOperationSchema],
    ['DeleteOperation', deleteOperationSchema],
    ['BatchRequest', batchRequestSchema],
    ['OperationResult', operationResultSchema],
    ['BatchResponse', batchResponseSchema],
    ['ManifestEntry', manifestEntrySchema],
    ['ManifestPage', manifestPageSchema],
    ['ErrorResponse', errorResponseSchema],
  ]
  for (const [id, schema] of named) registry.add(schema, { id })
  const generated = z.toJSONSchema(registry, { target: 'draft-2020-12', io: 'input', uri: (id) => `#/components/schemas/${id}` }) as {
    schemas: Record<string, Record<string, unknown>>
  }
  const schemas: Record<string, unknown> = {}
  for (const [id] of named) {
    const { $schema: _dialect, $id: _id, ...schema } = generated.schemas[id]
    schemas[id] = schema
  }
  const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` })
  const error = (description: string, headers?: Record<string, unknown>) => ({
    description,
    ...(headers ? { headers } : {}),
    content: { 'application/json': { schema: ref('ErrorResponse') } },
  })
  const retryAfter = { 'Retry-After': { description: 'Seconds (or an HTTP date) to wait before retrying.', schema: { type: 'string' } } }
  const common = {
    '400': error('The request does not follow this protocol (validation failure); not retried.'),
    '401': error('Missing or wrong bearer token; the client stops syncing until the token changes.'),
    '429': error('Rate limited; the client waits for Retry-After.', retryAfter),
    '500': error('Server failure; retried with exponential backoff (any 5xx).'),
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'notes-rag gateway sync (notes-sync)',
      version: '1',
      description:
        'Push-only sync of notes-rag weekly logs, chunks and embeddings to the homelab gateway. Paths are relative to the gateway base URL, which ends in /v1. See docs/gateway-sync.md for the semantics.',
    },
    servers: [{ url: 'https://llm.homelab.lan/v1', description: 'The gateway base URL as configured in notes-rag (gateway.baseUrl).' }],
    security: [{ bearer: [] }],
    paths: {
      [SYNC_ENDPOINTS.manifest]: {
        get: {
          operationId: 'getManifest',
          summary: 'One page of what the server holds, sorted by path.',
          parameters: [
            { name: 'cursor', in: 'query', required: false, description: 'nextCursor of the previous page.', schema: { type: 'string', minLength: 1, maxLength: 2048 } },
            {
              name: 'limit',
              in: 'query',
              required: false,
              description: `Entries per page (default ${MANIFEST_PAGE_DEFAULT}); the server may return fewer.`,
              schema: { type: 'integer', minimum: 1, maximum: MANIFEST_PAGE_MAX },
            },
            {
              name: 'If-None-Match',
              in: 'header',
              required: false,
              description: 'The quoted revision of a previous listing (first page only): 304 when nothing changed since.',
              schema: { type: 'string' },
            },
          ],
          responses: {
            '200': {
              description: 'A manifest page.',
              headers: { ETag: { description: 'The quoted revision.', schema: { type: 'string' } } },
              content: { 'application/json': { schema: ref('ManifestPage') } },
            },
            '304': { description: 'The revision in If-None-Match is still current; the client keeps its cached manifest.' },
            ...common,
          },
        },
      },
      [SYNC_ENDPOINTS.batches]: {
        post: {
          operationId: 'postBatch',
          summary: 'Apply a batch of upserts, moves and deletes atomically and idempotently.',
          requestBody: { required: true, content: { 'application/json': { schema: ref('BatchRequest') } } },
          responses: {
            '200': { description: 'Applied now, or replayed (same batchId and identical body).', content: { 'application/json': { schema: ref('BatchResponse') } } },
            ...common,
            '409': error('The batchId was already used with a different body (code batch-id-reused).'),
            '413': error('The body exceeds limits.maxBatchBytes; the client splits the batch.'),
          },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The gateway token configured in notes-rag.' } },
      schemas,
    },
  }
}
