import picomatch from 'picomatch'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Settings } from '../../../../shared/settings'
import { batchRequestSchema } from '../../../../shared/sync-protocol'
import { SyncService } from '../../../../electron/engine/sync/sync-service'
import { syncVectorsSource } from '../../../../electron/engine/sync/sync-vectors-source'
import { embeddingDescriptor } from '../../../../electron/engine/sync/sync-wire'
import { SyncContractServer } from '../../../support/sync-contract-server'
import { waitFor } from '../../../support/temp-dir'
import { IndexFixture, createService, expectServerEqualsIndex, syncSettings, weeklyLog } from './sync-fixture'

let fixture: IndexFixture
let server: SyncContractServer
const services: SyncService[] = []

beforeEach(async () => {
  fixture = await IndexFixture.open()
  server = await SyncContractServer.start()
})

afterEach(async () => {
  for (const service of services.splice(0)) await service.dispose()
  await server.close()
  await fixture.cleanup()
  // Every request of every test must follow the documented protocol.
  expect(server.invalidRequests).toEqual([])
})

function track<T extends { service: SyncService }>(created: T): T {
  services.push(created.service)
  return created
}

async function writeCorpus(count: number): Promise<void> {
  const files: Record<string, string> = {}
  for (let index = 0; index < count; index += 1) {
    const week = `2023-W${String((index % 52) + 1).padStart(2, '0')}`
    files[`logs/${String(index).padStart(3, '0')}-${week}.md`] = weeklyLog(week, [`project ${index}`, `infra ${index % 7}`, `hiring round ${index % 3}`])
  }
  await fixture.writeMany(files)
}

describe('SyncService against the contract server', () => {
  it('makes the server equal the index through dropped connections, 500s and timeouts, without duplicates', async () => {
    await writeCorpus(30)
    const settings = syncSettings(fixture, server, { sync: { maxBatchBytes: 16 * 1024 }, gateway: { requestTimeoutMs: 400 } })
    const { service, statuses } = track(createService(fixture, () => settings))
    server.injectFault('batch', { kind: 'drop-after-apply' })
    server.injectFault('batch', { kind: 'status', status: 500 })
    server.injectFault('batch', { kind: 'delay', ms: 1_000 })
    server.injectFault('manifest', { kind: 'status', status: 503 })

    const report = await service.syncNow({ dryRun: false })

    await expectServerEqualsIndex(server, fixture)
    expect(report.upserts.map((item) => item.path).sort()).toEqual(fixture.meta.files.list().map((file) => file.path))
    expect(report.deletes).toEqual([])
    // Several batches (16 KiB limit), two of them replayed after the client lost the answer.
    const batchIds = server.requestsTo('batch').map((request) => request.batchId)
    expect(new Set(batchIds).size).toBeGreaterThan(3)
    expect(server.batchesReplayed).toBe(2)
    for (const request of server.requestsTo('batch')) expect(request.bytes).toBeLessThanOrEqual(16 * 1024)
    expect(report.requests).toBe(server.requests.length)
    expect(report.bytesSent).toBe(server.requestsTo('batch').reduce((sum, request) => sum + request.bytes, 0))
    expect(statuses.some((status) => status.phase.type === 'backing-off')).toBe(true)
    expect(service.status()).toMatchObject({ phase: { type: 'idle' }, pendingFiles: 0, lastError: null })
    expect(service.status().lastSuccessAt).not.toBeNull()

    // A second pass has nothing to send: one manifest request, answered 304 from the revision.
    const before = server.requests.length
    const again = await service.syncNow({ dryRun: false })
    expect(again.upserts).toEqual([])
    expect(server.requests.slice(before).map((request) => request.status)).toEqual([304])
  })

  it('sends only the edited file, moves a renamed one and deletes a removed one', async () => {
    await fixture.write('2023-W10.md', weeklyLog('2023-W10', ['alpha', 'beta']))
    await fixture.write('2023-W11.md', weeklyLog('2023-W11', ['gamma']))
    await fixture.write('drafts/2023-W12.md', weeklyLog('2023-W12', ['delta', 'epsilon']))
    await fixture.write('2023-W13.md', weeklyLog('2023-W13', ['zeta']))
    const settings = syncSettings(fixture, server)
    const { service } = track(createService(fixture, () => settings))
    await service.syncNow({ dryRun: false })
    await expectServerEqualsIndex(server, fixture)

    const vectorsBefore = server.notes.get('drafts/2023-W12.md')!.chunks.map((chunk) => Array.from(chunk.vector!))
    await fixture.write('2023-W10.md', weeklyLog('2023-W10', ['alpha', 'beta'], 'Added a line about the release.'))
    await fixture.rename('drafts/2023-W12.md', 'weekly/2023-W12.md')
    await fixture.remove('2023-W13.md')
    const before = server.requests.length
    service.refreshStatus()
    // Edited, renamed (the new path; the old one is its move source) and deleted.
    expect(service.status().pendingFiles).toBe(3)

    const report = await service.syncNow({ dryRun: false })

    expect(report.upserts.map((item) => item.path)).toEqual(['2023-W10.md'])
    expect(report.renames).toEqual([{ from: 'drafts/2023-W12.md', to: 'weekly/2023-W12.md' }])
    expect(report.deletes).toEqual(['2023-W13.md'])
    const operations = server.requests.slice(before).filter((request) => request.body).flatMap((request) => batchRequestSchema.parse(JSON.parse(request.body!)).operations)
    expect(operations.map((operation) => operation.op).sort()).toEqual(['delete', 'move', 'upsert'])
    // The move carried no content: the server kept the vectors it had.
    expect(server.notes.get('weekly/2023-W12.md')!.chunks.map((chunk) => Array.from(chunk.vector!))).toEqual(vectorsBefore)
    await expectServerEqualsIndex(server, fixture)
  })

  it('never sends excluded paths and deletes them from the server once excluded', async () => {
    await fixture.write('2023-W20.md', weeklyLog('2023-W20', ['public work']))
    await fixture.write('private/2023-W20-health.md', weeklyLog('2023-W20', ['doctor appointment secretword']))
    await fixture.write('journal/2023-W21.md', weeklyLog('2023-W21', ['mood notes']))
    let settings = syncSettings(fixture, server, { sync: { exclude: ['private/**'] } })
    const { service } = track(createService(fixture, () => settings))

    const dry = await service.syncNow({ dryRun: true })
    expect(dry.excluded).toEqual(['private/2023-W20-health.md'])
    expect(dry.upserts.map((item) => item.path)).toEqual(['2023-W20.md', 'journal/2023-W21.md'])
    expect(server.requestsTo('batch')).toEqual([])

    const report = await service.syncNow({ dryRun: false })
    expect(report.excluded).toEqual(['private/2023-W20-health.md'])
    expect(server.requests.every((request) => !(request.body ?? '').includes('secretword'))).toBe(true)
    await expectServerEqualsIndex(server, fixture, picomatch('private/**'))

    settings = syncSettings(fixture, server, { sync: { exclude: ['private/**', 'journal/**'] } })
    const second = await service.syncNow({ dryRun: false })
    expect(second.deletes).toEqual(['journal/2023-W21.md'])
    expect([...server.notes.keys()]).toEqual(['2023-W20.md'])
  })

  it('opens no connection at all when local-only or sync is off', async () => {
    await fixture.write('2023-W01.md', weeklyLog('2023-W01', ['anything']))
    let settings: Settings = syncSettings(fixture, server, { routing: { policy: 'local-only' } })
    let fetchCalls = 0
    const { service, statuses } = track(
      createService(fixture, () => settings, {
        fetch: (async (...args: Parameters<typeof fetch>) => {
          fetchCalls += 1
          return fetch(...args)
        }) as typeof fetch,
      }),
    )
    expect(service.status().phase).toEqual({ type: 'disabled', reason: 'local-only' })
    await expect(service.syncNow({ dryRun: false })).rejects.toMatchObject({ code: 'sync-disabled' })
    // A dry run sends nothing, so it still shows the plan, compared with no server state (it may not connect).
    const preview = await service.syncNow({ dryRun: true })
    expect(preview).toMatchObject({ dryRun: true, requests: 0, bytesSent: 0, disabled: { reason: 'local-only' }, serverState: { source: 'none', fetchedAt: null } })
    expect(preview.upserts.map((file) => file.path)).toEqual(['2023-W01.md'])
    service.scheduleAfterIndexing()
    settings = syncSettings(fixture, server, { sync: { enabled: false } })
    await expect(service.syncNow({ dryRun: false })).rejects.toMatchObject({ code: 'sync-disabled', details: { reason: 'off' } })
    expect(await service.syncNow({ dryRun: true })).toMatchObject({ disabled: { reason: 'off', message: 'Sync is disabled: sync is turned off in settings.' } })
    service.scheduleAfterIndexing()
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(fetchCalls).toBe(0)
    expect(server.connections).toBe(0)
    expect(statuses.at(-1)?.phase).toEqual({ type: 'disabled', reason: 'off' })
    // Nothing counts as pending while sync is off (the count reads every chunk's hash); turned on, the note is.
    expect(service.status().pendingFiles).toBe(0)
    settings = syncSettings(fixture, server)
    service.refreshStatus()
    expect(service.status()).toMatchObject({ phase: { type: 'idle' }, pendingFiles: 1 })
  })

  it('refuses plain http to another host before connecting', async () => {
    const settings = syncSettings(fixture, { baseUrl: 'http://gateway.example.invalid/v1' })
    const { service } = track(createService(fixture, () => settings))
    await expect(service.syncNow({ dryRun: false })).rejects.toMatchObject({ code: 'gateway-insecure-url' })
    expect(service.status().phase.type).toBe('stopped')
  })

  it('uses plain http to another host only when the user allowed it', async () => {
    await fixture.write('2023-W04.md', weeklyLog('2023-W04', ['lan']))
    const settings = syncSettings(fixture, { baseUrl: 'http://gateway.lan.invalid/v1' }, { gateway: { allowInsecureHttp: true } })
    const asked: string[] = []
    // The host does not resolve here; forward to the contract server to show the client went ahead with http.
    const forward = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
      const url = new URL(String(input))
      asked.push(url.origin)
      return fetch(`${server.baseUrl.replace('/v1', '')}${url.pathname}${url.search}`, init)
    }) as typeof fetch
    const { service } = track(createService(fixture, () => settings, { fetch: forward }))
    await service.syncNow({ dryRun: false })
    expect(new Set(asked)).toEqual(new Set(['http://gateway.lan.invalid']))
    await expectServerEqualsIndex(server, fixture)
  })

  it('stops on 401 and does not retry in the background until the token changes', async () => {
    await fixture.write('2023-W02.md', weeklyLog('2023-W02', ['auth']))
    let token = 'wrong-token'
    const settings = syncSettings(fixture, server)
    const live = new SyncService({
      meta: fixture.meta,
      vectors: () => fixture.vectors(),
      settings: () => settings,
      token: () => token,
      onStatus: () => undefined,
      retry: { initialMs: 10, maxMs: 20 },
      debounceMs: 10,
    })
    services.push(live)
    await expect(live.syncNow({ dryRun: false })).rejects.toMatchObject({ code: 'gateway-unauthorized' })
    expect(live.status().phase).toMatchObject({ type: 'stopped', error: { code: 'gateway-unauthorized' } })
    expect(server.requests).toHaveLength(1)
    live.scheduleAfterIndexing()
    await new Promise((resolve) => setTimeout(resolve, 80))
    expect(server.requests).toHaveLength(1)

    token = 'test-token'
    live.scheduleAfterIndexing()
    await waitFor(() => live.status().phase.type === 'idle' && live.status().lastSuccessAt !== null, { what: 'background sync after the token changed' })
    await expectServerEqualsIndex(server, fixture)
  })

  it('splits a batch on 413 and reports a single file larger than the gateway accepts', async () => {
    await writeCorpus(6)
    await fixture.write('huge/2023-W30.md', weeklyLog('2023-W30', Array.from({ length: 200 }, (_, index) => `topic ${index}`)))
    server.maxBatchBytes = 48 * 1024
    server.injectFault('batch', { kind: 'status', status: 413 })
    const settings = syncSettings(fixture, server)
    const { service } = track(createService(fixture, () => settings))

    const report = await service.syncNow({ dryRun: false })

    expect(report.skipped).toEqual([{ path: 'huge/2023-W30.md', reason: 'too-large' }])
    expect(service.status().lastError).toMatchObject({ code: 'gateway-payload-too-large', details: { paths: ['huge/2023-W30.md'] } })
    const statuses = server.requestsTo('batch').map((request) => request.status)
    expect(statuses[0]).toBe(413)
    expect(statuses.slice(1).every((status) => status === 200) && statuses.length >= 3).toBe(true)
    await expectServerEqualsIndex(server, fixture, (notePath) => notePath.startsWith('huge/'))
  })

  it('honours Retry-After on 429', async () => {
    await fixture.write('2023-W03.md', weeklyLog('2023-W03', ['rate']))
    server.injectFault('batch', { kind: 'status', status: 429, retryAfter: '1' })
    const settings = syncSettings(fixture, server)
    const { service, statuses } = track(createService(fixture, () => settings))
    await service.syncNow({ dryRun: false })
    const times = server.requestsTo('batch').map((request) => request.at)
    expect(times).toHaveLength(2)
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(950)
    expect(statuses.some((status) => status.phase.type === 'backing-off')).toBe(true)
    await expectServerEqualsIndex(server, fixture)
  })

  it('resumes after a crash with the same batch id and without resending what arrived', async () => {
    await writeCorpus(12)
    const settings = syncSettings(fixture, server, { sync: { maxBatchBytes: 8 * 1024 } })
    // The process "dies" right after its third batch reached the server, before it saw the answer.
    const crash = new AbortController()
    let batchesSeen = 0
    const { service } = track(
      createService(fixture, () => settings, {
        fetch: (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
          const response = await fetch(input, init)
          if (init?.method === 'POST' && (batchesSeen += 1) === 3) {
            crash.abort()
            throw new DOMException('killed', 'AbortError')
          }
          return response
        }) as typeof fetch,
      }),
    )
    await expect(service.syncNow({ dryRun: false }, crash.signal)).rejects.toMatchObject({ code: 'aborted' })
    await service.dispose()
    fixture.reopenMeta()
    const applied = server.batchesApplied
    const lostBatch = server.requestsTo('batch')[2].batchId
    const receivedBefore = new Set(server.notes.keys())

    const { service: restarted } = track(createService(fixture, () => settings))
    const dry = await restarted.syncNow({ dryRun: true })
    const report = await restarted.syncNow({ dryRun: false })

    const resent = server.requestsTo('batch').slice(3)
    expect(resent[0].batchId).toBe(lostBatch)
    expect(server.batchesReplayed).toBe(1)
    expect(server.batchesApplied).toBe(applied + resent.length - 1)
    const sentAgain = report.upserts.map((item) => item.path)
    expect(dry.upserts.map((item) => item.path).sort()).toEqual([...sentAgain].sort())
    // Only the lost batch's files (resent byte for byte) and those never sent travel again.
    const firstTwo = server.requestsTo('batch').slice(0, 2).flatMap((request) => batchRequestSchema.parse(JSON.parse(request.body!)).operations.map((operation) => (operation.op === 'upsert' ? operation.path : '')))
    for (const path of firstTwo) expect(sentAgain).not.toContain(path)
    expect(receivedBefore.size).toBeGreaterThan(0)
    await expectServerEqualsIndex(server, fixture)
  })

  it('dry run lists exactly what a pass sends and falls back to the last known server state', async () => {
    await writeCorpus(4)
    const settings = syncSettings(fixture, server)
    const { service } = track(createService(fixture, () => settings))
    const dry = await service.syncNow({ dryRun: true })
    expect(dry.serverState?.source).toBe('server')
    const real = await service.syncNow({ dryRun: false })
    expect(dry.upserts).toEqual(real.upserts)

    await fixture.write('logs/000-2023-W01.md', weeklyLog('2023-W01', ['changed while offline']))
    await server.close()
    const offline = await service.syncNow({ dryRun: true })
    expect(offline.serverState).toMatchObject({ source: 'last-known' })
    expect(offline.upserts.map((item) => item.path)).toEqual(['logs/000-2023-W01.md'])
  })

  it('re-sends everything when the local model changes, and a server on another model re-embeds instead of mixing', async () => {
    await writeCorpus(3)
    const other = embeddingDescriptor({ modelId: 'server/model', dimensions: 8, fingerprint: [1, 0, 0, 0, 0, 0, 0, 0] })
    await server.close()
    server = await SyncContractServer.start({ serverEmbeddingKey: other.key })
    const settings = syncSettings(fixture, server)
    const { service } = track(createService(fixture, () => settings))
    await service.syncNow({ dryRun: false })
    expect([...server.notes.values()].every((note) => note.chunks.every((chunk) => chunk.vector === null))).toBe(true)
    expect(server.reembeddedChunks).toBe(fixture.meta.chunks.count())
    expect(service.status().pendingFiles).toBe(0)

    fixture.modelId = 'test/hash-embed-v2'
    const report = await service.syncNow({ dryRun: false })
    expect(report.upserts).toHaveLength(3)
  })

  it('runs a debounced background pass after indexing settles', async () => {
    await fixture.write('2023-W05.md', weeklyLog('2023-W05', ['background']))
    const settings = syncSettings(fixture, server)
    const { service } = track(createService(fixture, () => settings))
    service.scheduleAfterIndexing()
    service.scheduleAfterIndexing()
    service.scheduleAfterIndexing()
    await waitFor(() => server.notes.size === 1, { what: 'background sync' })
    await waitFor(() => service.status().phase.type === 'idle')
    expect(server.requestsTo('batch')).toHaveLength(1)
  })

  it('lists a paginated manifest and repairs what another writer removed from the server', async () => {
    await writeCorpus(12)
    const settings = syncSettings(fixture, server)
    const { service } = track(createService(fixture, () => settings, { manifestPageSize: 5 }))
    await service.syncNow({ dryRun: false })
    server.forgetNote('logs/007-2023-W08.md')
    const before = server.requests.length
    const report = await service.syncNow({ dryRun: false })
    const manifestPages = server.requests.slice(before).filter((request) => request.path.endsWith('/manifest'))
    expect(manifestPages.map((request) => request.status)).toEqual([200, 200, 200])
    expect(report.upserts.map((item) => item.path)).toEqual(['logs/007-2023-W08.md'])
    await expectServerEqualsIndex(server, fixture)
  })

  it('sends text only while no model is loaded, then the vectors once one is', async () => {
    await writeCorpus(3)
    const settings = syncSettings(fixture, server)
    let modelLoaded = false
    const { service } = track(createService(fixture, () => settings, { vectors: () => (modelLoaded ? fixture.vectors() : null) }))
    await service.syncNow({ dryRun: false })
    expect(server.notes.size).toBe(3)
    expect([...server.notes.values()].every((note) => note.embeddingKey === null && note.chunks.every((chunk) => chunk.vector === null))).toBe(true)
    modelLoaded = true
    const report = await service.syncNow({ dryRun: false })
    expect(report.upserts).toHaveLength(3)
    await expectServerEqualsIndex(server, fixture)
  })
})

describe('syncVectorsSource', () => {
  it('describes the active target table with the model record stored for it', async () => {
    const fingerprint = fixture.vectors().fingerprint
    let target: { table: string } | null = null
    const source = syncVectorsSource(fixture.meta, fixture.vectorStore, () => target)
    expect(source()).toBeNull()
    target = { table: fixture.table }
    expect(source()).toBeNull()
    fixture.meta.models.upsert({ table: fixture.table, modelId: fixture.modelId, dimensions: fixture.dimensions, fingerprint, state: 'building', createdAt: new Date().toISOString() })
    expect(source()).toEqual({ store: fixture.vectorStore, table: fixture.table, modelId: fixture.modelId, dimensions: fixture.dimensions, fingerprint })
  })
})
