import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { batchResponseSchema, manifestPageSchema } from '../../../shared/sync-protocol'
import { cosine } from '../../../server/embedding/model-pool'
import { CuttingProxy } from '../../support/cutting-proxy'
import { indexNotes, weeklyCorpus, type IndexedNotes } from '../../support/indexed-notes'
import { startTestService, type TestService } from '../../support/notes-rag-service-fixture'
import { writeTinyEmbeddingModel } from '../../support/tiny-embedding-model'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function setup(options: Parameters<typeof startTestService>[0] = {}): Promise<{ notes: IndexedNotes; service: TestService }> {
  const notes = await indexNotes(weeklyCorpus(6))
  cleanups.push(() => notes.cleanup())
  const service = await startTestService(options)
  cleanups.push(() => service.close())
  return { notes, service }
}

async function storedChunks(service: TestService) {
  const { rows } = await service.service.db.query<{ path: string; id: string; embedding: string | null; embed_text: string }>(
    'SELECT path, id, embedding::text AS embedding, embed_text FROM chunks WHERE user_id = $1 ORDER BY path, ordinal',
    [service.user.id],
  )
  return rows.map((row) => ({ ...row, vector: row.embedding ? (JSON.parse(row.embedding) as number[]) : null }))
}

async function postBatch(service: TestService, body: string, token = service.token) {
  return fetch(`${service.url}/notes-sync/batches`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body })
}

describe('the sync receiver', { timeout: 240_000 }, () => {
  it('holds exactly what the desktop indexed, with its vectors, and a second pass sends nothing', async () => {
    const { notes, service } = await setup()
    const client = notes.syncService(service.url, service.token)
    const first = await client.syncNow({ dryRun: false })
    expect(first.upserts).toHaveLength(6)

    const manifest = await fetch(`${service.url}/notes-sync/manifest`, { headers: { authorization: `Bearer ${service.token}` } })
    const page = manifestPageSchema.parse(await manifest.json())
    expect(page.files.map((file) => file.path)).toEqual(notes.meta.files.list().map((file) => file.path).sort())
    for (const file of notes.meta.files.list()) expect(page.files.find((entry) => entry.path === file.path)?.sha256).toBe(file.sha256)

    const chunks = await storedChunks(service)
    const local = notes.meta.files.list().flatMap((file) => notes.meta.chunks.forFile(file.path))
    expect(chunks.map((chunk) => chunk.id).sort()).toEqual(local.map((chunk) => chunk.id).sort())
    const vectors = await notes.store.vectorsByIds(notes.table, local.map((chunk) => chunk.id))
    for (const chunk of chunks) expect(cosine(chunk.vector!, vectors.get(chunk.id)!)).toBeGreaterThan(0.9999)

    const status = await (await fetch(`${service.url}/status`, { headers: { authorization: `Bearer ${service.token}` } })).json()
    expect(status).toMatchObject({ notes: 6, chunks: chunks.length, vectors: chunks.length, embedding: { modelId: 'tiny-lexical-embed', dimensions: 64 } })

    const second = await client.syncNow({ dryRun: false })
    expect(second.upserts).toEqual([])
    const etag = manifest.headers.get('etag')!
    const cached = await fetch(`${service.url}/notes-sync/manifest`, { headers: { authorization: `Bearer ${service.token}`, 'if-none-match': etag } })
    expect(cached.status).toBe(304)
  })

  it('answers a replayed batch from storage, refuses a reused id with another body (409) and a wrong token (401)', async () => {
    const { service } = await setup()
    const content = '# 2023-W20\n\n- Replayed batch.\n'
    const { createHash } = await import('node:crypto')
    const sha = (text: string) => createHash('sha256').update(text).digest('hex')
    const embedText = '2023-W20\n\n- Replayed batch.'
    const upsert = {
      op: 'upsert', path: 'weekly/2023-W20.md', sha256: sha(content), size: Buffer.byteLength(content), content,
      period: { start: '2023-05-15', end: '2023-05-21', source: 'file-name', inferred: false }, label: '2023-W20',
      chunksSha256: sha(sha(embedText)),
      chunks: [{ id: 'c-1', ordinal: 0, headingPath: ['2023-W20'], startLine: 1, endLine: 3, text: content.trim(), embedText, contentHash: sha(embedText), vector: null }],
    }
    const body = JSON.stringify({ protocol: 1, batchId: '6f1c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f', embedding: null, operations: [upsert] })
    const first = batchResponseSchema.parse(await (await postBatch(service, body)).json())
    expect(first).toMatchObject({ replayed: false, results: [{ status: 'applied' }] })
    const again = batchResponseSchema.parse(await (await postBatch(service, body)).json())
    expect(again).toEqual({ ...first, replayed: true })

    const other = body.replace('Replayed batch.', 'Another body.')
    const reused = await postBatch(service, other)
    expect(reused.status).toBe(409)
    expect(await reused.json()).toMatchObject({ error: { code: 'batch-id-reused' } })

    const unauthorized = await postBatch(service, body, 'nrs_not-the-right-token-at-all')
    expect(unauthorized.status).toBe(401)
    expect(await unauthorized.json()).toMatchObject({ error: { code: 'unauthorized' } })

    const tampered = body.replace(sha(content), sha('something else'))
    const bad = await postBatch(service, tampered.replace('6f1c1d2e', '7f1c1d2e'))
    expect(bad.status).toBe(400)
    expect((await bad.json()).error.message).toMatch(/sha256 is not the SHA-256 of content/)
    const { rows } = await service.service.db.query('SELECT count(*)::int AS n FROM notes')
    expect(rows[0]).toEqual({ n: 1 })
  })

  it('refuses the vectors of a different model (train/serve skew): re-embedded with the index model, or the batch refused', async () => {
    const otherModelDir = mkdtempSync(path.join(tmpdir(), 'notes-rag-other-model-'))
    cleanups.push(() => rmSync(otherModelDir, { recursive: true, force: true }))
    // Same shape, same vocabulary, other weights: a silently changed model.
    await writeTinyEmbeddingModel(otherModelDir, 98765)
    const { notes, service } = await setup({ embeddingModelDir: otherModelDir })
    const report = await notes.syncService(service.url, service.token).syncNow({ dryRun: false })
    expect(report.upserts).toHaveLength(6)
    const ops = await service.service.metrics.registry.getSingleMetric('notes_rag_sync_operations_total')!.get()
    expect(ops.values.filter((value) => value.labels.vectors === 're-embedded').reduce((sum, value) => sum + value.value, 0)).toBe(6)

    const server = await service.service.models.load(otherModelDir)
    const chunks = await storedChunks(service)
    const local = await notes.store.vectorsByIds(notes.table, chunks.map((chunk) => chunk.id))
    const expected = await server.embedder.embedPassages(chunks.map((chunk) => chunk.embed_text))
    chunks.forEach((chunk, index) => {
      expect(cosine(chunk.vector!, expected[index])).toBeGreaterThan(0.9999)
      expect(cosine(chunk.vector!, local.get(chunk.id)!)).toBeLessThan(0.98)
    })

    // The same client against a service that refuses skewed batches: 400, nothing stored, the pass fails.
    const strict = await startTestService({ embeddingModelDir: otherModelDir, config: { sync: { skew: 'refuse' } } })
    cleanups.push(() => strict.close())
    await expect(notes.syncService(strict.url, strict.token).syncNow({ dryRun: false })).rejects.toThrow(/Embedding model mismatch/)
    const { rows } = await strict.service.db.query<{ n: number }>('SELECT count(*)::int AS n FROM notes')
    expect(rows[0].n).toBe(0)
  })

  it('resumes after the service died half way through a pass: the lost batch is replayed, nothing is lost or doubled', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'notes-rag-server-data-'))
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
    const { notes, service } = await setup({ database: { kind: 'folder', dataDir } })
    const proxy = await CuttingProxy.start(service.url)
    cleanups.push(() => proxy.close())
    // Small batches, so the pass has several and dies after the third was applied (its answer lost).
    proxy.cutAfterBatches(2)
    const client = notes.syncService(proxy.url, service.token, { sync: { maxBatchBytes: 4096 } })
    await expect(client.syncNow({ dryRun: false })).rejects.toThrow()
    expect(proxy.batchesForwarded).toBe(3)
    await service.close()

    const restarted = await startTestService({ database: { kind: 'folder', dataDir } })
    cleanups.push(() => restarted.close())
    const { rows: before } = await restarted.service.db.query<{ n: number }>('SELECT count(*)::int AS n FROM notes')
    expect(before[0].n).toBeGreaterThanOrEqual(3)
    expect(before[0].n).toBeLessThan(6)
    proxy.heal(restarted.url)
    await client.syncNow({ dryRun: false })

    const batches = await restarted.service.metrics.registry.getSingleMetric('notes_rag_sync_batches_total')!.get()
    expect(batches.values.find((value) => value.labels.outcome === 'replayed')?.value).toBe(1)
    const manifest = manifestPageSchema.parse(await (await fetch(`${restarted.url}/notes-sync/manifest`, { headers: { authorization: `Bearer ${restarted.token}` } })).json())
    expect(manifest.files.map((file) => [file.path, file.sha256])).toEqual(notes.meta.files.list().map((file) => [file.path, file.sha256]).sort())
    const chunks = await restarted.service.db.query<{ n: number }>('SELECT count(*)::int AS n FROM chunks')
    expect(chunks.rows[0].n).toBe(notes.meta.chunks.count())
  })
})
