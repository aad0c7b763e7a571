import { describe, expect, it } from 'vitest'
import { batchRequestSchema } from '../../../../shared/sync-protocol'
import { BatchPacker, chunksSha256, decodeVector, embeddingDescriptor, encodeVector, packOperation, sha256Hex } from '../../../../electron/engine/sync/sync-wire'

let counter = 0
const newId = () => `00000000-0000-4000-8000-${String((counter += 1)).padStart(12, '0')}`

describe('vector encoding', () => {
  it('is base64 of little-endian float32, byte for byte', () => {
    const encoded = encodeVector([1, -2.5, 0.1])
    const bytes = Buffer.from(encoded, 'base64')
    expect(bytes.length).toBe(12)
    expect([...bytes.subarray(0, 4)]).toEqual([0x00, 0x00, 0x80, 0x3f])
    expect(bytes.readFloatLE(4)).toBe(-2.5)
    expect(Array.from(decodeVector(encoded))).toEqual([1, -2.5, Math.fround(0.1)])
  })
})

describe('embeddingDescriptor', () => {
  it('keys on model id, dimensions and fingerprint', () => {
    const base = embeddingDescriptor({ modelId: 'm', dimensions: 2, fingerprint: [0.6, 0.8] })
    expect(base.key).toBe(sha256Hex(`m\n2\n${encodeVector([0.6, 0.8])}`))
    expect(embeddingDescriptor({ modelId: 'm2', dimensions: 2, fingerprint: [0.6, 0.8] }).key).not.toBe(base.key)
    expect(embeddingDescriptor({ modelId: 'm', dimensions: 2, fingerprint: [0.8, 0.6] }).key).not.toBe(base.key)
    expect(embeddingDescriptor({ modelId: 'm', dimensions: 2, fingerprint: [0.6, 0.8] })).toEqual(base)
  })
})

describe('BatchPacker', () => {
  const embedding = embeddingDescriptor({ modelId: 'm', dimensions: 2, fingerprint: [0.6, 0.8] })
  const upsert = (path: string, words: number) => {
    const content = `${'word '.repeat(words)}\n`
    const embedText = content
    const contentHash = sha256Hex(embedText)
    return packOperation({
      op: 'upsert',
      path,
      sha256: sha256Hex(content),
      size: Buffer.byteLength(content),
      content,
      period: { start: '2023-04-03', end: '2023-04-09', source: 'file-name', inferred: false },
      label: '2023-W14',
      chunksSha256: chunksSha256([contentHash]),
      chunks: [{ id: `${path}#0`, ordinal: 0, headingPath: ['2023-W14'], startLine: 1, endLine: 1, text: content, embedText, contentHash, vector: encodeVector([0.6, 0.8]) }],
    })
  }

  it('closes batches at the byte limit, counting the whole body exactly, and every body is a valid request', () => {
    const limit = 4_000
    const packer = new BatchPacker(embedding, limit, newId)
    const batches = []
    for (let index = 0; index < 20; index += 1) {
      const closed = packer.add(upsert(`notes/${index}.md`, 40 + index * 5))
      if (closed) batches.push(closed)
    }
    const last = packer.take()
    if (last) batches.push(last)
    expect(batches.length).toBeGreaterThan(2)
    expect(batches.reduce((sum, batch) => sum + batch.operations, 0)).toBe(20)
    for (const batch of batches) {
      expect(batch.bytes).toBe(Buffer.byteLength(batch.body))
      expect(batch.bytes).toBeLessThanOrEqual(limit)
      expect(batchRequestSchema.safeParse(JSON.parse(batch.body)).success).toBe(true)
      expect(batch.summary.upserts.map((item) => item.bytes).every((bytes) => bytes > 0)).toBe(true)
    }
    // Greedy: a batch plus the first operation of the next would not have fitted.
    for (let index = 0; index + 1 < batches.length; index += 1) {
      const nextFirst = JSON.stringify(JSON.parse(batches[index + 1].body).operations[0])
      expect(batches[index].bytes + 1 + Buffer.byteLength(nextFirst)).toBeGreaterThan(limit)
    }
  })

  it('tells which single operation can never fit', () => {
    const packer = new BatchPacker(embedding, 2_000, newId)
    expect(packer.fitsAlone(upsert('small.md', 10))).toBe(true)
    expect(packer.fitsAlone(upsert('big.md', 2_000))).toBe(false)
  })

  it('caps the operation count', () => {
    const packer = new BatchPacker(null, 10_000_000, newId, 3)
    const closed = [1, 2, 3, 4, 5].map((index) => packer.add(packOperation({ op: 'delete', path: `${index}.md` }))).filter(Boolean)
    expect(closed).toHaveLength(1)
    expect(closed[0]!.summary.deletes).toEqual(['1.md', '2.md', '3.md'])
    expect(packer.take()!.summary.deletes).toEqual(['4.md', '5.md'])
  })
})
