import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { batchRequestSchema, batchResponseSchema, manifestPageSchema, manifestQuerySchema, notePathSchema } from '../../../../shared/sync-protocol'
import { OPENAPI_PATH, openApiText } from '../../../../electron/engine/sync/write-openapi'
import { encodeVector } from '../../../../electron/engine/sync/sync-wire'

const hash = 'c'.repeat(64)
const chunk = (ordinal: number, vector: string | null) => ({
  id: `id-${ordinal}`,
  ordinal,
  headingPath: ['2023-W14'],
  startLine: 1,
  endLine: 2,
  text: 't',
  embedText: 't',
  contentHash: hash,
  vector,
})
const upsert = (path: string, chunks: ReturnType<typeof chunk>[]) => ({
  op: 'upsert',
  path,
  sha256: hash,
  size: 1,
  content: 't',
  period: { start: '2023-04-03', end: '2023-04-09', source: 'file-name', inferred: false },
  label: '2023-W14',
  chunksSha256: hash,
  chunks,
})
const embedding = { modelId: 'm', dimensions: 2, fingerprint: [0.6, 0.8], key: hash }
const batch = (operations: unknown[], withEmbedding = true) => ({
  protocol: 1,
  batchId: '6f1c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f',
  embedding: withEmbedding ? embedding : null,
  operations,
})

describe('notes-sync schemas', () => {
  it.each([
    ['weekly/2023-W14.md', true],
    ['2024-03-11.md', true],
    ['a/.hidden/b.md', true],
    ['/etc/passwd', false],
    ['../outside.md', false],
    ['a/../../b.md', false],
    ['a/./b.md', false],
    ['a//b.md', false],
    ['a\\b.md', false],
    ['dir/', false],
    ['', false],
  ])('path %j valid: %s', (value, valid) => {
    expect(notePathSchema.safeParse(value).success).toBe(valid)
  })

  it('accepts a well-formed batch', () => {
    const vector = encodeVector([0.6, 0.8])
    expect(batchRequestSchema.safeParse(batch([upsert('a.md', [chunk(0, vector), chunk(1, vector)]), { op: 'delete', path: 'b.md' }])).success).toBe(true)
    expect(batchRequestSchema.safeParse(batch([upsert('a.md', [chunk(0, null)])], false)).success).toBe(true)
  })

  it.each([
    ['a vector of the wrong length', batch([upsert('a.md', [chunk(0, encodeVector([1, 2, 3]))])])],
    ['a missing vector in a batch with an embedding', batch([upsert('a.md', [chunk(0, null)])])],
    ['a vector in a text-only batch', batch([upsert('a.md', [chunk(0, encodeVector([1, 0]))])], false)],
    ['ordinals out of order', batch([upsert('a.md', [chunk(1, encodeVector([1, 0]))])])],
    ['the same path twice', batch([{ op: 'delete', path: 'a.md' }, { op: 'move', from: 'a.md', to: 'b.md', sha256: hash, chunksSha256: hash, period: { start: '2023-01-01', end: '2023-01-01', source: 'mtime', inferred: true }, label: 'x', chunkIds: [] }])],
    ['an empty batch', batch([])],
    ['an upper-case batch id', { ...batch([{ op: 'delete', path: 'a.md' }]), batchId: '6F1C1D2E-3B4A-4C5D-8E9F-0A1B2C3D4E5F' }],
    ['another protocol', { ...batch([{ op: 'delete', path: 'a.md' }]), protocol: 2 }],
    ['a fingerprint of the wrong length', { ...batch([{ op: 'delete', path: 'a.md' }]), embedding: { ...embedding, fingerprint: [1] } }],
  ])('rejects %s', (_name, value) => {
    expect(batchRequestSchema.safeParse(value).success).toBe(false)
  })

  it('manifest query takes only cursor and a bounded limit', () => {
    expect(manifestQuerySchema.safeParse({ cursor: 'abc', limit: '1000' }).success).toBe(true)
    expect(manifestQuerySchema.safeParse({ limit: '0' }).success).toBe(false)
    expect(manifestQuerySchema.safeParse({ limit: '99999' }).success).toBe(false)
    expect(manifestQuerySchema.safeParse({ since: 'x' }).success).toBe(false)
  })
})

describe('docs/gateway-sync.openapi.json', () => {
  it('is exactly what write-openapi generates from the schemas (run `npx tsx electron/engine/sync/write-openapi.ts`)', () => {
    const committed = readFileSync(path.resolve(__dirname, '..', '..', '..', '..', OPENAPI_PATH), 'utf8')
    expect(committed).toBe(openApiText())
  })
})

describe('docs/gateway-sync.md', () => {
  it('every marked example validates against its schema', () => {
    const text = readFileSync(path.resolve(__dirname, '..', '..', '..', '..', 'docs', 'gateway-sync.md'), 'utf8')
    const schemas = { BatchRequest: batchRequestSchema, BatchResponse: batchResponseSchema, ManifestPage: manifestPageSchema }
    const examples = [...text.matchAll(/<!-- example: (\w+) -->\n```json\n([\s\S]*?)\n```/g)]
    expect(examples.map((match) => match[1]).sort()).toEqual(['BatchRequest', 'BatchResponse', 'ManifestPage'])
    for (const [, name, json] of examples) {
      const result = schemas[name as keyof typeof schemas].safeParse(JSON.parse(json))
      expect(result.success, `${name}: ${result.error?.message}`).toBe(true)
    }
  })
})
