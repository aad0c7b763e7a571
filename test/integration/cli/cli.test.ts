import { spawn, type SpawnOptions } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MetaStore } from '../../../electron/engine/store/meta-store'
import { VectorStore } from '../../../electron/engine/store/vector-store'
import { dataPaths } from '../../../electron/engine/settings/data-dir'
import { makeTempDir, waitFor, writeFiles } from '../../support/temp-dir'
import { ensureTinyEmbeddingModel } from '../../support/tiny-embedding-model'
import { ensureTinyChatModel } from '../../support/tiny-chat-model'
import { SyncContractServer } from '../../support/sync-contract-server'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const bin = path.join(repoRoot, 'bin/notes-rag.mjs')

interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

function runCli(args: string[], options: SpawnOptions & { wrapper?: string[] } = {}): Promise<RunResult> & { child: ReturnType<typeof spawn> } {
  const { wrapper = [], ...spawnOptions } = options
  const command = wrapper.length > 0 ? wrapper[0] : process.execPath
  const commandArgs = wrapper.length > 0 ? [...wrapper.slice(1), process.execPath, bin, ...args] : [bin, ...args]
  const child = spawn(command, commandArgs, { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' }, ...spawnOptions })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (data) => (stdout += data))
  child.stderr?.on('data', (data) => (stderr += data))
  const promise = new Promise<RunResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))) as Promise<RunResult> & {
    child: ReturnType<typeof spawn>
  }
  promise.child = child
  return promise
}

function weekFile(index: number): [string, string] {
  const year = 2020 + Math.floor(index / 52)
  const week = (index % 52) + 1
  const name = `${year}/${year}-W${String(week).padStart(2, '0')}.md`
  const topics = ['postgres migration', 'kubernetes cluster', 'search ranking', 'billing service', 'mobile release', 'observability']
  const topic = topics[index % topics.length]
  const body = [
    `# ${year}-W${String(week).padStart(2, '0')}`,
    '',
    '## Done',
    '',
    ...Array.from({ length: 12 }, (_, line) => `- Worked on the ${topic} item ${line} with note ${index}-${line} about latency budgets and rollout plans`),
    '',
    '## Learned',
    '',
    `Week ${index} lesson: ${topic} needs careful staging, feature flags and a rollback plan that was rehearsed.`,
    '',
    '## Next',
    '',
    `- Follow up on ${topic} ${index}`,
  ].join('\n')
  return [name, body]
}

let modelDir: string
const temps: Array<() => void> = []

beforeAll(async () => {
  modelDir = (await ensureTinyEmbeddingModel()).modelDir
})
afterAll(() => temps.forEach((cleanup) => cleanup()))

function workspace(files: Record<string, string> = {}) {
  const temp = makeTempDir('notes-rag-cli-')
  temps.push(temp.cleanup)
  const folder = path.join(temp.dir, 'notes')
  fs.mkdirSync(folder)
  writeFiles(folder, files)
  return { root: temp.dir, folder, dataDir: path.join(temp.dir, 'data') }
}

describe('notes-rag CLI (real processes)', () => {
  it('index, status --json and search --json over a folder; a second index embeds nothing', async () => {
    const { folder, dataDir } = workspace(Object.fromEntries(Array.from({ length: 6 }, (_, i) => weekFile(i))))
    const common = ['--data-dir', dataDir, '--embedding-model', modelDir]
    const first = await runCli(['index', folder, '--json', ...common])
    expect(first.code, first.stderr).toBe(0)
    const indexed = JSON.parse(first.stdout)
    expect(indexed.summary).toMatchObject({ added: 6, failed: 0 })
    expect(indexed.summary.chunksEmbedded).toBeGreaterThan(6)

    const second = await runCli(['index', folder, '--json', ...common])
    expect(JSON.parse(second.stdout).summary).toMatchObject({ added: 0, changed: 0, unchanged: 6, chunksEmbedded: 0 })

    const status = JSON.parse((await runCli(['status', '--json', ...common])).stdout)
    expect(status).toMatchObject({ folder, folderState: 'ok', files: 6 })
    expect(status.vectors).toBe(status.chunks)

    const search = await runCli(['search', 'kubernetes cluster in 2020', '--limit', '3', '--json', ...common])
    expect(search.code, search.stderr).toBe(0)
    const result = JSON.parse(search.stdout)
    expect(result.mode).toBe('hybrid')
    expect(result.period).toMatchObject({ start: '2020-01-01', end: '2020-12-31' })
    expect(result.hits).toHaveLength(3)
    expect(result.hits[0].path).toBe('2020/2020-W02.md')
    for (const hit of result.hits) {
      expect(Object.keys(hit).sort()).toEqual(['endLine', 'headingPath', 'path', 'periodEnd', 'periodStart', 'score', 'snippet', 'startLine', 'text'])
    }

    const human = await runCli(['search', 'kubernetes', ...common])
    expect(human.stdout).toMatch(/2020\/2020-W02\.md:\d+-\d+/)
  }, 180_000)

  it('a pure time question lists --limit weeks, one entry per week, and says how many more matched', async () => {
    const { folder, dataDir } = workspace(Object.fromEntries(Array.from({ length: 8 }, (_, i) => weekFile(i))))
    const common = ['--data-dir', dataDir, '--embedding-model', modelDir, '--today', '2026-11-26']
    expect((await runCli(['index', folder, ...common])).code).toBe(0)

    // January 2020 touches 2020-W01 (30 December to 5 January) to 2020-W05 (27 January to 2 February).
    const human = await runCli(['search', 'What did I work on in January 2020?', '--limit', '2', ...common])
    expect(human.code, human.stderr).toBe(0)
    const weekHeadings = human.stdout.split('\n').filter((line) => /^\d{4}-W\d{2} \(/.test(line))
    expect(weekHeadings.map((line) => line.slice(0, 8))).toEqual(['2020-W01', '2020-W02'])
    expect(weekHeadings[0]).toMatch(/^2020-W01 \(2019-12-30 to 2020-01-05\)/)
    expect(human.stdout).toMatch(/^period: January 2020 \(2020-01-01 to 2020-01-31\)/)
    expect(human.stdout).toMatch(/… 3 more weeks matched \(raise --limit to see them\)\.\n$/)
    expect(human.stdout).not.toMatch(/2020-W03\.md/)

    const json = JSON.parse((await runCli(['search', 'What did I work on in January 2020?', '--limit', '2', '--json', ...common])).stdout)
    expect(json.weeks.map((week: { label: string }) => week.label)).toEqual(['2020-W01', '2020-W02'])
    expect(json.moreWeeks).toBe(3)
    expect(json.periodWarning).toBeNull()
    expect(json.hits.map((hit: { path: string }) => hit.path)).toEqual(json.weeks.flatMap((week: { passages: Array<{ path: string }> }) => week.passages.map((hit) => hit.path)))
    expect(json.weeks[0].passages.length).toBeLessThanOrEqual(3)

    // The same question answered without a model: the passages week by week, --limit weeks.
    const asked = await runCli(['ask', 'What did I work on in January 2020?', '--limit', '2', '--json', '--llm-model', path.join(folder, 'missing.gguf'), '--policy', 'local-only', ...common])
    expect(asked.code, asked.stderr).toBe(0)
    const answer = JSON.parse(asked.stdout)
    expect(answer.meta).toMatchObject({ backend: 'retrieval-only', moreWeeks: 3 })
    expect(answer.meta.weeks.map((week: { label: string }) => week.label)).toEqual(['2020-W01', '2020-W02'])
    expect(answer.answer).toMatch(/3 more weeks matched\.$/)

    // An inverted reading falls back to no filter and says so.
    const odd = await runCli(['search', 'kubernetes from 2023 to 2021', ...common])
    expect(odd.stdout).toMatch(/^\("from 2023 to 2021" ends before it starts, so no time filter was applied for it\.\)$/m)
  }, 180_000)

  it('ask --json answers with the tiny local model and cites the notes; watch logs changes until interrupted', async () => {
    const { folder, dataDir } = workspace(Object.fromEntries(Array.from({ length: 4 }, (_, i) => weekFile(i))))
    const common = ['--data-dir', dataDir, '--embedding-model', modelDir]
    expect((await runCli(['index', folder, ...common])).code).toBe(0)
    const chatModel = await ensureTinyChatModel()
    const asked = await runCli(['ask', 'what happened with the kubernetes cluster?', '--json', '--llm-model', chatModel, '--threads', '1', '--policy', 'local-only', ...common])
    expect(asked.code, asked.stderr).toBe(0)
    const answer = JSON.parse(asked.stdout)
    expect(answer.meta).toMatchObject({ backend: 'local', model: expect.stringMatching(/\.gguf$/) })
    expect(answer.meta.tokensOut).toBeGreaterThan(0)
    expect(answer.sources[0]).toMatchObject({ n: 1, path: '2020/2020-W02.md' })
    expect(typeof answer.answer).toBe('string')

    // With no local model and no gateway, the answer is the retrieved passages, labelled.
    const retrievalOnly = await runCli(['ask', 'kubernetes cluster', '--json', '--llm-model', path.join(folder, 'missing.gguf'), '--policy', 'local-only', ...common])
    expect(retrievalOnly.code, retrievalOnly.stderr).toBe(0)
    expect(JSON.parse(retrievalOnly.stdout).meta.backend).toBe('retrieval-only')

    const watch = runCli(['watch', folder, ...common])
    let output = ''
    watch.child.stdout?.on('data', (data) => (output += data))
    await waitFor(() => output.includes('watching'), { timeoutMs: 60_000, what: 'watch started' })
    writeFiles(folder, { '2021/2021-W10.md': '# 2021-W10\n\n## Done\n\n- Wrote the watch test' })
    await waitFor(() => output.includes('changed 2021/2021-W10.md'), { timeoutMs: 30_000, what: 'change logged' })
    watch.child.kill('SIGINT')
    const stopped = await watch
    expect(stopped.code).toBe(0)
    expect(stopped.stdout).toMatch(/stopped/)
  }, 240_000)

  it('sync --dry-run lists what would be sent, then sync sends exactly that to the gateway', async () => {
    const { folder, dataDir } = workspace({ ...Object.fromEntries(Array.from({ length: 3 }, (_, i) => weekFile(i))), 'private/diary.md': '# private\n\nNot for the homelab.' })
    const server = await SyncContractServer.start({ token: 'homelab-secret' })
    try {
      const common = ['--data-dir', dataDir, '--embedding-model', modelDir, '--gateway-url', server.baseUrl, '--gateway-token', 'homelab-secret']
      expect((await runCli(['index', folder, ...common])).code).toBe(0)
      // Sync is off by default: turn it on (with an exclusion) the way the app's settings would.
      const settingsFile = path.join(dataDir, 'settings.json')
      const settings = JSON.parse(fs.readFileSync(settingsFile, 'utf8'))
      fs.writeFileSync(settingsFile, JSON.stringify({ ...settings, sync: { ...settings.sync, enabled: true, exclude: ['private/**'] } }))

      const dry = await runCli(['sync', '--dry-run', '--json', ...common])
      expect(dry.code, dry.stderr).toBe(0)
      const plan = JSON.parse(dry.stdout)
      expect(plan.dryRun).toBe(true)
      expect(plan.upserts.map((file: { path: string }) => file.path).sort()).toEqual(['2020/2020-W01.md', '2020/2020-W02.md', '2020/2020-W03.md'])
      expect(server.notes.size).toBe(0)

      const real = await runCli(['sync', '--json', ...common])
      expect(real.code, real.stderr).toBe(0)
      expect([...server.notes.keys()].sort()).toEqual(plan.upserts.map((file: { path: string }) => file.path).sort())
      expect(server.invalidRequests).toEqual([])
      expect(server.requests.every((request) => request.path.startsWith('/v1/notes-sync/'))).toBe(true)
      expect([...server.notes.values()].every((note) => note.chunks.every((chunk) => chunk.vector !== null))).toBe(true)
    } finally {
      await server.close()
    }
  }, 180_000)

  it('gives a clear message and a non-zero exit for a missing folder, a file, and an unwritable data dir', async () => {
    const { root, folder } = workspace({ 'a.md': '# a' })
    const missing = await runCli(['index', path.join(root, 'nope'), '--data-dir', path.join(root, 'd1')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/does not exist/)
    const file = await runCli(['index', path.join(folder, 'a.md'), '--data-dir', path.join(root, 'd2')])
    expect(file.code).toBe(1)
    expect(file.stderr).toMatch(/is a file, not a folder/)
    const blocker = path.join(root, 'blocker')
    fs.writeFileSync(blocker, 'a regular file where the data dir should go')
    const unwritable = await runCli(['index', folder, '--data-dir', path.join(blocker, 'data')])
    expect(unwritable.code).toBe(1)
    expect(unwritable.stderr).toMatch(/Cannot write to the data folder/)
    const usage = await runCli(['frobnicate'])
    expect(usage.code).toBe(2)
    expect(usage.stderr).toMatch(/Usage:/)
  }, 120_000)

  it('a permission-denied file is reported per file and the rest indexes', async () => {
    const { folder, dataDir } = workspace({ 'ok.md': '# ok\n\nReadable note about search.', 'secret.md': '# secret' })
    fs.chmodSync(path.join(folder, 'secret.md'), 0o000)
    // Root reads every file whatever its mode; without the DAC capabilities it gets a real EACCES like any user.
    const wrapper = process.getuid?.() === 0 ? ['setpriv', '--bounding-set=-dac_override,-dac_read_search', '--'] : []
    const result = await runCli(['index', folder, '--json', '--data-dir', dataDir, '--embedding-model', modelDir], { wrapper })
    expect(result.code, result.stderr).toBe(0)
    const { summary, status } = JSON.parse(result.stdout)
    expect(summary).toMatchObject({ added: 1, failed: 1 })
    expect(status.errors).toEqual([expect.objectContaining({ path: 'secret.md', code: 'file-permission-denied' })])
  }, 120_000)

  it('SIGKILL mid-index, then a restart, leaves a consistent index and resumes where it stopped', async () => {
    const total = 240
    const { folder, dataDir } = workspace(Object.fromEntries(Array.from({ length: total }, (_, i) => weekFile(i))))
    const args = ['index', folder, '--json', '--data-dir', dataDir, '--embedding-model', modelDir]
    const run = runCli(args)
    // Kill once the run is demonstrably in the middle: some files and some vectors written, not all.
    const database = dataPaths(dataDir).database
    await waitFor(
      () => {
        if (!fs.existsSync(database)) return false
        const db = new Database(database, { readonly: true, fileMustExist: true })
        try {
          const files = (db.prepare('SELECT count(*) AS n FROM files').get() as { n: number }).n
          return files > 10
        } catch {
          return false
        } finally {
          db.close()
        }
      },
      { timeoutMs: 60_000, intervalMs: 10, what: 'indexing under way' },
    )
    run.child.kill('SIGKILL')
    const killed = await run
    expect(killed.signal).toBe('SIGKILL')

    const partial = await readStores(dataDir)
    expect(partial.files).toBeLessThan(total)
    // Whatever SQLite says was embedded really is in LanceDB (vectors may run ahead; never behind).
    expect(partial.embeddedMissingVectors).toBe(0)

    const resumed = await runCli(args)
    expect(resumed.code, resumed.stderr).toBe(0)
    const { summary } = JSON.parse(resumed.stdout)
    expect(summary.unchanged + summary.added + summary.changed).toBe(total)
    expect(summary.added).toBeGreaterThan(0)
    expect(summary.unchanged).toBeGreaterThan(0)

    const final = await readStores(dataDir)
    expect(final.files).toBe(total)
    expect(final.duplicateVectorIds).toBe(0)
    expect(final.orphanVectors).toBe(0)
    expect(final.chunksWithoutVectors).toBe(0)
    expect(final.embedded).toBe(final.chunks)
  }, 180_000)
})

async function readStores(dataDir: string) {
  const paths = dataPaths(dataDir)
  const meta = MetaStore.open(paths.database)
  const vectors = await VectorStore.open(paths.vectors)
  try {
    const table = meta.models.getActive()?.table
    const vectorIds = table ? await vectors.allIds(table) : []
    const vectorSet = new Set(vectorIds)
    const chunkIds = new Set(meta.chunks.allIds())
    const embeddedIds = meta.chunks.allIds().filter((id) => meta.chunks.getMany([id])[0]?.embedded)
    return {
      files: meta.files.count(),
      chunks: chunkIds.size,
      embedded: meta.chunks.countEmbedded(),
      duplicateVectorIds: vectorIds.length - vectorSet.size,
      orphanVectors: [...vectorSet].filter((id) => !chunkIds.has(id)).length,
      chunksWithoutVectors: [...chunkIds].filter((id) => !vectorSet.has(id)).length,
      embeddedMissingVectors: embeddedIds.filter((id) => !vectorSet.has(id)).length,
    }
  } finally {
    meta.dispose()
    await vectors.dispose()
  }
}
