/**
 * Homelab service benchmark: the desktop's sync client pushes a generated 10,000-file corpus into the real service
 * (PGlite on disk, pgvector, 384-dim vectors), then questions go through POST /v1/chat/completions.
 * Run: npx tsx test/bench/server-bench.ts [--files 10000] [--questions 60]
 * The answer latency excludes generation: the upstream is a local OpenAI-compatible server that answers at once, so
 * what is timed is auth, rate limit, the query embedding (a bge-small-shaped model, 12 layers, through Transformers.js),
 * full-text + vector search, fusion, packing, the upstream round trip and the citations.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import OpenAI from 'openai'
import { generateCorpus } from '../fixtures/corpus/generate-corpus'
import { IndexFixture, createService, syncSettings } from '../integration/engine/sync/sync-fixture'
import { ensureBgeShapeModel, BGE_SHAPE_MODEL_ID } from '../support/bge-shape-model'
import { startTestService } from '../support/notes-rag-service-fixture'

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`)
  return index >= 0 ? Number(process.argv[index + 1]) : fallback
}

const QUESTIONS = [
  'When did I fix the backup job?', 'What did I do in March 2023?', 'kubernetes cluster upgrade', 'Who did I meet about the budget?',
  'What did I learn about postgres?', 'What was blocking the release last quarter?', 'When did I first mention the migration?',
  'What happened with the outage in 2022?', 'hiring and interviews', 'What did I plan for the next sprint?',
]

async function main(): Promise<void> {
  const fileCount = flag('files', 10_000)
  const questionCount = flag('questions', 60)
  const dimensions = 384
  const model = await ensureBgeShapeModel()
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'notes-rag-server-bench-'))
  const fixture = await IndexFixture.open({ dimensions })
  const service = await startTestService({
    database: { kind: 'folder', dataDir },
    config: {
      embedding: { modelsDir: model.modelsDir, aliases: { [BGE_SHAPE_MODEL_ID]: model.modelDir }, threads: 1 },
      rateLimit: { chatPerMinute: 0, syncPerMinute: 0 },
    },
  })
  try {
    let started = performance.now()
    await generateCorpus({ dir: fixture.folder, files: fileCount, seed: 7 })
    const paths = listFiles(fixture.folder)
    await fixture.indexExisting(paths)
    const chunks = fixture.meta.chunks.count()
    console.log(`corpus: ${paths.length} files, ${chunks} chunks, ${dimensions}-dim vectors; generated and indexed in ${seconds(started)} s`)

    // The client's vectors are hashes, not the model's, but they carry the server model's fingerprint: the service
    // stores them (the case of a matching model) and the timing is that of real 384-dim rows.
    const serverModel = await service.service.models.load(model.modelDir)
    const settings = syncSettings(fixture, { baseUrl: service.url }, { gateway: { requestTimeoutMs: 600_000 } })
    const { service: client } = createService(fixture, () => settings, {
      token: service.token,
      vectors: () => ({ ...fixture.vectors(), modelId: BGE_SHAPE_MODEL_ID, fingerprint: serverModel.fingerprint }),
    } as Parameters<typeof createService>[2])

    started = performance.now()
    const initial = await client.syncNow({ dryRun: false })
    const initialSeconds = (performance.now() - started) / 1000
    console.log(
      `initial sync into the service (PGlite on disk): ${initial.upserts.length} files, ${chunks} chunks in ${initialSeconds.toFixed(1)} s = ` +
        `${(initial.upserts.length / initialSeconds).toFixed(0)} files/s; ${initial.requests} requests, ${mb(initial.bytesSent)} MB sent`,
    )
    const { rows } = await service.service.db.query<{ notes: number; vectors: number }>('SELECT (SELECT count(*)::int FROM notes) AS notes, count(embedding)::int AS vectors FROM chunks')
    if (rows[0].notes !== paths.length || rows[0].vectors !== chunks) throw new Error(`The service holds ${rows[0].notes} notes and ${rows[0].vectors} vectors`)

    started = performance.now()
    const idle = await client.syncNow({ dryRun: false })
    console.log(`no-change sync: ${idle.requests} request(s), ${seconds(started)} s`)

    const openai = new OpenAI({ baseURL: service.url, apiKey: service.token, maxRetries: 0 })
    // Warm-up: the model load and the drift baseline (pseudo-queries embedded once per revision, built in the
    // background after a sync; the status page waits for it) are not per answer.
    started = performance.now()
    await fetch(`${service.url}/status`, { headers: { authorization: `Bearer ${service.token}` } })
    console.log(`drift baseline after the sync (100 pseudo-queries, each with a nearest-chunk search): ${seconds(started)} s`)
    started = performance.now()
    await openai.chat.completions.create({ model: 'notes-rag', messages: [{ role: 'user', content: QUESTIONS[0] }] })
    console.log(`first answer: ${seconds(started)} s`)
    const timings: number[] = []
    for (let index = 0; index < questionCount; index += 1) {
      const question = `${QUESTIONS[index % QUESTIONS.length]}${index >= QUESTIONS.length ? ` ${index}` : ''}`
      const start = performance.now()
      await openai.chat.completions.create({ model: 'notes-rag', messages: [{ role: 'user', content: question }] })
      timings.push(performance.now() - start)
    }
    timings.sort((a, b) => a - b)
    const at = (q: number) => timings[Math.min(timings.length - 1, Math.floor(q * timings.length))].toFixed(0)
    console.log(`answer latency excluding generation over ${chunks} chunks (${questionCount} questions): p50 ${at(0.5)} ms, p95 ${at(0.95)} ms`)
    await client.dispose()
  } finally {
    await service.close()
    await fixture.cleanup()
    fs.rmSync(dataDir, { recursive: true, force: true })
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
