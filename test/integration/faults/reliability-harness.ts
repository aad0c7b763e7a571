import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { afterAll, expect } from 'vitest'
import { dataPaths } from '../../../electron/engine/settings/data-dir'
import { VectorStore } from '../../../electron/engine/store/vector-store'
import { hasIndexedExtension, isIgnoredPath } from '../../../electron/engine/watcher/ignore-rules'
import { makeTempDir, waitFor } from '../../support/temp-dir'
import { ensureTinyEmbeddingModel } from '../../support/tiny-embedding-model'

/**
 * Shared pieces of the reliability fault suite: every case runs the real CLI (`node bin/notes-rag.mjs`) as a
 * separate process on real files with the tiny embedding model, and ends with `expectConsistent`.
 */

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
// The installed CLI: bin/notes-rag.mjs runs the build in out/cli/ (kept fresh by test/support/build-cli-setup.ts).
const bin = path.join(repoRoot, 'bin/notes-rag.mjs')
const EXTENSIONS = ['.md', '.markdown', '.txt']

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** A running CLI process; `output()` is everything it wrote so far (stdout and stderr). */
export interface CliProcess extends Promise<CliResult> {
  child: ChildProcess
  output(): string
}

/** Short intervals so a real process notices folder faults within a test's patience. */
export const FAST_WATCH_ENV = { NOTES_RAG_FOLDER_POLL_MS: '200' }

export function runCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1', ...env } })
  let stdout = ''
  let stderr = ''
  let both = ''
  child.stdout?.on('data', (data) => {
    stdout += data
    both += data
  })
  child.stderr?.on('data', (data) => {
    stderr += data
    both += data
  })
  const promise = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))) as CliProcess
  promise.child = child
  promise.output = () => both
  return promise
}

/** A temp workspace: a notes folder, a data dir, and the CLI flags that point at them. */
export interface Workspace {
  root: string
  folder: string
  dataDir: string
  /** `--data-dir … --embedding-model …` for every command. */
  flags: string[]
  cleanup(): void
}

let modelDir: string | null = null

/** For one test file: makes workspaces like `makeWorkspace` and removes every one of them after the file's tests. */
export function workspacesCleanedAfterAll(): (prefix: string, files?: number) => Promise<Workspace> {
  const made: Workspace[] = []
  afterAll(() => made.forEach((workspace) => workspace.cleanup()))
  return async (prefix, files = 0) => {
    const workspace = await makeWorkspace(prefix, files)
    made.push(workspace)
    return workspace
  }
}

export async function makeWorkspace(prefix: string, files = 0): Promise<Workspace> {
  modelDir ??= (await ensureTinyEmbeddingModel()).modelDir
  const temp = makeTempDir(`notes-rag-fault-${prefix}-`)
  const folder = path.join(temp.dir, 'notes')
  fs.mkdirSync(folder)
  writeCorpus(folder, files)
  const dataDir = path.join(temp.dir, 'data')
  return { root: temp.dir, folder, dataDir, flags: ['--data-dir', dataDir, '--embedding-model', modelDir], cleanup: temp.cleanup }
}

/** A weekly log for week `index` (spread over years and folders), a few chunks each. */
export function weekNote(index: number, salt = ''): [string, string] {
  const year = 2019 + Math.floor(index / 52)
  const week = String((index % 52) + 1).padStart(2, '0')
  const topics = ['postgres migration', 'kubernetes cluster', 'search ranking', 'billing service', 'mobile release', 'observability']
  const topic = topics[index % topics.length]
  const body = [
    `# ${year}-W${week}`,
    '',
    '## Done',
    '',
    ...Array.from({ length: 8 }, (_, line) => `- Worked on the ${topic} item ${line} (note ${index}-${line}${salt}) about latency budgets and rollout plans`),
    '',
    '## Learned',
    '',
    `Week ${index} lesson${salt}: ${topic} needs careful staging, feature flags and a rehearsed rollback plan.`,
  ].join('\n')
  return [`${year}/${year}-W${week}.md`, body]
}

export function writeCorpus(folder: string, count: number, from = 0): string[] {
  const written: string[] = []
  for (let index = from; index < from + count; index++) {
    const [relative, body] = weekNote(index)
    fs.mkdirSync(path.join(folder, path.dirname(relative)), { recursive: true })
    fs.writeFileSync(path.join(folder, relative), body)
    written.push(relative)
  }
  return written
}

/** Reads the index read-only while a process may still be writing it (WAL allows that). */
export function peekIndex(dataDir: string): { files: number; chunks: number; embedded: number; held: { reason: string; removals: number } | null; paths: string[] } | null {
  const database = dataPaths(dataDir).database
  if (!fs.existsSync(database)) return null
  let db: Database.Database | null = null
  try {
    db = new Database(database, { readonly: true, fileMustExist: true })
    const files = (db.prepare('SELECT count(*) AS n FROM files').get() as { n: number }).n
    const chunks = (db.prepare('SELECT count(*) AS n FROM chunks').get() as { n: number }).n
    const embedded = (db.prepare('SELECT count(*) AS n FROM chunks WHERE embedded = 1').get() as { n: number }).n
    const heldRow = db.prepare("SELECT value FROM state WHERE key = 'heldRemovals'").get() as { value: string } | undefined
    const paths = db.prepare('SELECT path FROM files ORDER BY path').pluck().all() as string[]
    return { files, chunks, embedded, held: heldRow ? JSON.parse(heldRow.value) : null, paths }
  } catch {
    return null
  } finally {
    db?.close()
  }
}

export async function waitForIndex<T>(dataDir: string, check: (index: NonNullable<ReturnType<typeof peekIndex>>) => T, what: string, timeoutMs = 30_000): Promise<NonNullable<T>> {
  return waitFor(
    () => {
      const index = peekIndex(dataDir)
      return index ? check(index) : null
    },
    { timeoutMs, intervalMs: 50, what },
  )
}

export async function waitForOutput(process: CliProcess, pattern: RegExp, what: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(() => pattern.test(process.output()), { timeoutMs, intervalMs: 25, what: `${what} (output so far:\n${process.output().slice(-2000)})` })
}

/** Stops a watch with Ctrl+C and expects it to exit by itself, promptly and cleanly. */
export async function stopWatch(watch: CliProcess, timeoutMs = 15_000): Promise<CliResult> {
  watch.child.kill('SIGINT')
  const timer = setTimeout(() => watch.child.kill('SIGKILL'), timeoutMs)
  const result = await watch
  clearTimeout(timer)
  expect(result.signal, `watch did not exit within ${timeoutMs} ms after Ctrl+C:\n${result.stdout}\n${result.stderr}`).toBeNull()
  expect(result.code, result.stderr).toBe(0)
  return result
}

/** The notes a scan should find: regular files with an indexed extension, outside ignored paths, each real file once. */
export function notesOnDisk(folder: string): string[] {
  const found: string[] = []
  const seen = new Set<string>()
  const walk = (directory: string, relative: string) => {
    let real: string
    try {
      real = fs.realpathSync(directory)
    } catch {
      return
    }
    if (seen.has(real)) return
    seen.add(real)
    for (const entry of fs.readdirSync(directory, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const childRelative = relative ? `${relative}/${entry.name}` : entry.name
      if (isIgnoredPath(childRelative)) continue
      const absolute = path.join(directory, entry.name)
      let stat: fs.Stats
      try {
        stat = fs.statSync(absolute)
      } catch {
        continue
      }
      if (stat.isDirectory()) walk(absolute, childRelative)
      else if (stat.isFile() && hasIndexedExtension(entry.name, EXTENSIONS)) found.push(childRelative)
    }
  }
  walk(folder, '')
  return found.sort()
}

export interface ConsistencyReport {
  indexedFiles: string[]
  chunks: number
  embedded: number
  vectors: number
}

/**
 * The end of every fault case: the files on disk are the files indexed (or `expectFiles`, when removals are held),
 * no duplicate or orphan rows, the FTS index passes its integrity check, and the vectors are exactly the embedded
 * chunks, which are all of them. Run once no process writes the data dir any more.
 */
export async function expectConsistent(workspace: Pick<Workspace, 'folder' | 'dataDir'>, options: { expectFiles?: string[]; allEmbedded?: boolean } = {}): Promise<ConsistencyReport> {
  const paths = dataPaths(workspace.dataDir)
  // Not read-only: FTS5's integrity-check is an INSERT command (it changes nothing).
  const db = new Database(paths.database, { fileMustExist: true })
  let report: ConsistencyReport
  let embeddedIds: string[]
  let table: string | null
  try {
    const indexedFiles = db.prepare("SELECT path FROM files WHERE status <> 'failed' ORDER BY path").pluck().all() as string[]
    expect(indexedFiles, 'files on disk = files indexed').toEqual(options.expectFiles ?? notesOnDisk(workspace.folder))
    const chunkIds = db.prepare('SELECT id FROM chunks').pluck().all() as string[]
    expect(new Set(chunkIds).size, 'no duplicate chunk ids').toBe(chunkIds.length)
    const orphanChunks = (db.prepare('SELECT count(*) AS n FROM chunks WHERE path NOT IN (SELECT path FROM files)').get() as { n: number }).n
    expect(orphanChunks, 'no chunk without its file').toBe(0)
    const miscounted = (db.prepare('SELECT count(*) AS n FROM files f WHERE chunk_count <> (SELECT count(*) FROM chunks c WHERE c.path = f.path)').get() as { n: number }).n
    expect(miscounted, 'chunk_count matches the chunks').toBe(0)
    // Throws (SQLITE_CORRUPT_VTAB) when the FTS index and the chunks table disagree.
    db.prepare("INSERT INTO chunks_fts (chunks_fts, rank) VALUES ('integrity-check', 1)").run()
    const ftsRows = (db.prepare('SELECT count(*) AS n FROM chunks_fts').get() as { n: number }).n
    expect(ftsRows, 'one FTS row per chunk').toBe(chunkIds.length)
    embeddedIds = db.prepare('SELECT id FROM chunks WHERE embedded = 1').pluck().all() as string[]
    table = (db.prepare('SELECT table_name FROM embedding_models WHERE active = 1').pluck().get() as string | undefined) ?? null
    report = { indexedFiles, chunks: chunkIds.length, embedded: embeddedIds.length, vectors: 0 }
  } finally {
    db.close()
  }
  if (options.allEmbedded !== false) expect(report.embedded, 'every chunk embedded').toBe(report.chunks)
  if (table) {
    const vectors = await VectorStore.open(paths.vectors)
    try {
      const ids = (await vectors.hasTable(table)) ? await vectors.allIds(table) : []
      expect(new Set(ids).size, 'no duplicate vector rows').toBe(ids.length)
      expect([...ids].sort(), 'vectors = embedded chunks').toEqual([...embeddedIds].sort())
      report.vectors = ids.length
    } finally {
      await vectors.dispose()
    }
  } else {
    expect(report.embedded).toBe(0)
  }
  return report
}

/** `index --json`'s parsed output, with the exit code checked. */
export async function indexJson(workspace: Workspace, extra: string[] = [], env: Record<string, string> = {}) {
  const result = await runCli(['index', workspace.folder, '--json', ...workspace.flags, ...extra], env)
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0)
  return JSON.parse(result.stdout) as { summary: import('../../../shared/index-status').IndexSummary; status: import('../../../shared/index-status').IndexSnapshot }
}

export async function statusJson(workspace: Workspace) {
  const result = await runCli(['status', '--json', ...workspace.flags])
  expect(result.code, result.stderr).toBe(0)
  return JSON.parse(result.stdout) as import('../../../shared/index-status').IndexSnapshot
}

/** Samples a running process's resident memory from /proc (Linux) into `into.peakMb`; clear the returned timer. */
export function sampleRss(pid: number, into: { peakMb: number }, intervalMs = 50): NodeJS.Timeout {
  return setInterval(() => {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
      if (match) into.peakMb = Math.max(into.peakMb, Number(match[1]) / 1024)
    } catch {
      // exited
    }
  }, intervalMs)
}
