/**
 * Sync benchmark: initial push of a generated 10,000-file corpus to the contract server, then one edited file.
 * Run: npx tsx test/bench/sync-bench.ts [--files 10000] [--dimensions 384]
 * The contract server runs in this same process and validates every request with zod, so the figures include its
 * work too (a real gateway does that on another machine).
 */
import fs from 'node:fs'
import path from 'node:path'
import { generateCorpus } from '../fixtures/corpus/generate-corpus'
import { SyncContractServer } from '../support/sync-contract-server'
import { IndexFixture, createService, syncSettings } from '../integration/engine/sync/sync-fixture'

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`)
  return index >= 0 ? Number(process.argv[index + 1]) : fallback
}

async function main(): Promise<void> {
  const fileCount = flag('files', 10_000)
  const dimensions = flag('dimensions', 384)
  const fixture = await IndexFixture.open({ dimensions })
  const server = await SyncContractServer.start()
  try {
    let started = performance.now()
    await generateCorpus({ dir: fixture.folder, files: fileCount, seed: 7 })
    const paths = listFiles(fixture.folder)
    await fixture.indexExisting(paths)
    const chunks = fixture.meta.chunks.count()
    console.log(`corpus: ${paths.length} files, ${chunks} chunks, ${dimensions}-dim vectors; generated and indexed in ${seconds(started)} s`)

    const settings = syncSettings(fixture, server, { gateway: { requestTimeoutMs: 120_000 } })
    const { service } = createService(fixture, () => settings)

    started = performance.now()
    const dry = await service.syncNow({ dryRun: true })
    console.log(`dry run: ${dry.upserts.length} files would be sent, planned in ${seconds(started)} s`)

    started = performance.now()
    const initial = await service.syncNow({ dryRun: false })
    const initialSeconds = (performance.now() - started) / 1000
    console.log(
      `initial sync: ${initial.upserts.length} files in ${initialSeconds.toFixed(1)} s = ${(initial.upserts.length / initialSeconds).toFixed(0)} files/s; ` +
        `${initial.requests} requests, ${mb(initial.bytesSent)} MB sent (${server.requestsTo('batch').length} batches of at most ${mb(settings.sync.maxBatchBytes)} MB)`,
    )
    if (server.notes.size !== paths.length || server.invalidRequests.length > 0) throw new Error('The server does not hold the corpus.')

    started = performance.now()
    const idle = await service.syncNow({ dryRun: false })
    console.log(`no-change sync: ${idle.requests} request(s), ${idle.bytesSent} bytes, ${seconds(started)} s`)

    const edited = paths[Math.floor(paths.length / 2)]
    fs.appendFileSync(path.join(fixture.folder, edited), '\n- One more line written after the first sync.\n')
    await fixture.index(edited)
    started = performance.now()
    const one = await service.syncNow({ dryRun: false })
    console.log(
      `one edited file: ${one.upserts.map((item) => item.path).join(', ')}; ${one.requests} requests, ${one.bytesSent} bytes sent, ${seconds(started)} s`,
    )
    await service.dispose()
  } finally {
    await server.close()
    await fixture.cleanup()
  }
}

function listFiles(root: string, prefix = ''): string[] {
  const result: string[] = []
  for (const entry of fs.readdirSync(path.join(root, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name
    if (entry.isDirectory()) result.push(...listFiles(root, relative))
    else if (entry.name.endsWith('.md')) result.push(relative)
  }
  return result.sort()
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(2)
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
