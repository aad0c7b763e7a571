import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { expect } from 'vitest'
import { dataPaths } from '../../../electron/engine/settings/data-dir'
import { VectorStore } from '../../../electron/engine/store/vector-store'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
// The installed CLI: bin/notes-rag.mjs runs the build in out/cli/ (kept fresh by test/support/build-cli-setup.ts).
const bin = path.join(repoRoot, 'bin/notes-rag.mjs')

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface CliRun extends Promise<CliResult> {
  child: ChildProcess
  /** Everything written so far (for waiting on a line while the process runs). */
  output(): { stdout: string; stderr: string }
}

/** Runs the real CLI (`node bin/notes-rag.mjs ...`) as its own process. */
export function runCli(args: string[], options: SpawnOptions = {}): CliRun {
  const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' }, ...options })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (data) => (stdout += data))
  child.stderr?.on('data', (data) => (stderr += data))
  const promise = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))) as CliRun
  promise.child = child
  promise.output = () => ({ stdout, stderr })
  return promise
}

/** Weekly-log files with enough text to give each several chunks. */
export function weeklyLogs(count: number, offset = 0): Record<string, string> {
  const files: Record<string, string> = {}
  for (let index = offset; index < offset + count; index++) {
    const year = 2021 + Math.floor(index / 52)
    const week = String((index % 52) + 1).padStart(2, '0')
    files[`${year}/${year}-W${week}.md`] = [
      `# ${year}-W${week}`,
      '',
      '## Done',
      '',
      ...Array.from({ length: 10 }, (_, line) => `- Worked on the billing service item ${line} for week ${index}, with rollout notes and a review`),
      '',
      '## Next',
      '',
      `- Follow up on item ${index}`,
    ].join('\n')
  }
  return files
}

const NOTE_EXTENSIONS = new Set(['.md', '.markdown', '.txt'])

function notesOnDisk(folder: string): string[] {
  const found: string[] = []
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.isFile() && NOTE_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) found.push(path.relative(folder, full).split(path.sep).join('/'))
    }
  }
  walk(folder)
  return found.sort()
}

/**
 * The end state every fault case must reach: files on disk = files indexed, no duplicate or orphan rows, an intact
 * FTS index, and (when `vectors` is set) vectors in LanceDB = chunks flagged embedded = every chunk.
 */
export async function expectConsistentIndex(dataDir: string, folder: string, options: { vectors?: boolean } = {}): Promise<{ files: number; chunks: number; vectors: number }> {
  const paths = dataPaths(dataDir)
  const db = new Database(paths.database)
  try {
    const indexed = (db.prepare("SELECT path FROM files WHERE status = 'indexed' ORDER BY path").all() as Array<{ path: string }>).map((row) => row.path)
    expect(indexed).toEqual(notesOnDisk(folder))
    const orphans = db.prepare('SELECT count(*) AS n FROM chunks WHERE path NOT IN (SELECT path FROM files)').get() as { n: number }
    expect(orphans.n).toBe(0)
    const duplicates = db.prepare('SELECT path, ordinal, count(*) AS n FROM chunks GROUP BY path, ordinal HAVING n > 1').all()
    expect(duplicates).toEqual([])
    // Throws SQLITE_CORRUPT_VTAB when the keyword index and the chunks disagree (rank 1 also checks the content).
    db.prepare("INSERT INTO chunks_fts (chunks_fts, rank) VALUES ('integrity-check', 1)").run()
    const chunks = (db.prepare('SELECT count(*) AS n FROM chunks').get() as { n: number }).n
    const embeddedIds = (db.prepare('SELECT id FROM chunks WHERE embedded = 1 ORDER BY id').all() as Array<{ id: string }>).map((row) => row.id)
    let vectorCount = 0
    if (options.vectors) {
      const active = db.prepare('SELECT table_name FROM embedding_models WHERE active = 1').get() as { table_name: string } | undefined
      expect(active, 'an active vector table').toBeDefined()
      const store = await VectorStore.open(paths.vectors)
      try {
        const ids = (await store.allIds(active!.table_name)).sort()
        expect(new Set(ids).size).toBe(ids.length)
        expect(ids).toEqual([...embeddedIds].sort())
        expect(ids.length).toBe(chunks)
        vectorCount = ids.length
      } finally {
        await store.dispose()
      }
    }
    return { files: indexed.length, chunks, vectors: vectorCount }
  } finally {
    db.close()
  }
}
