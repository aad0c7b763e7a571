/**
 * CLI start-up (issue 15): the built `notes-rag` as a user runs it (`node bin/notes-rag.mjs`, no npx in front),
 * timed wall-clock from spawn to exit.
 *   - `--help` and `--version` (goal: `--help` under 300 ms), beside a bare `node -e ""` on the same machine;
 *   - a keyword `search` on a warm four-year index (208 weekly notes, indexed once by the CLI; goal under 1 s),
 *     embedding model included: with the tiny lexical model, and with a model of bge-small-en-v1.5's shape (random
 *     weights, what a user's search loads; its first index takes about half a minute). `--model tiny` or
 *     `--model real-shape` runs one of them.
 *
 * Each figure also gives the process's CPU time (user + system, every thread; from /usr/bin/time where it exists):
 * on this shared machine wall time mostly measures the other work queued on the two cores, CPU time what the CLI does.
 *
 * Run: npx tsx test/bench/cli-bench.ts [--runs 15] [--model tiny|real-shape]
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { generateCorpus } from '../fixtures/corpus/generate-corpus'
import { ensureBgeShapeModel } from '../support/bge-shape-model'
import { makeTempDir } from '../support/temp-dir'
import { ensureTinyEmbeddingModel } from '../support/tiny-embedding-model'
import { percentile, printTable } from './bench-utils'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const bin = path.join(repoRoot, 'bin', 'notes-rag.mjs')
const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' }, model: { type: 'string' } } })
if (values.model !== undefined && values.model !== 'tiny' && values.model !== 'real-shape') throw new Error('--model is tiny or real-shape')
const models = values.model ? [values.model as 'tiny' | 'real-shape'] : (['tiny', 'real-shape'] as const)
const runs = Math.max(1, Number(values.runs))
const HELP_GOAL_MS = 300
const SEARCH_GOAL_MS = 1000

interface Timed {
  ms: number
  /** User + system CPU time of the process and its threads, when /usr/bin/time can tell. */
  cpuMs: number | null
  stdout: string
}

const TIME = '/usr/bin/time'
const hasTime = fs.existsSync(TIME)

function timed(args: string[], cpuFile: string): Timed {
  const command = hasTime ? TIME : process.execPath
  const commandArgs = hasTime ? ['-f', '%U %S', '-o', cpuFile, process.execPath, ...args] : args
  const started = process.hrtime.bigint()
  const result = spawnSync(command, commandArgs, { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 * 1024 * 1024 })
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status ?? result.signal}:\n${result.stderr}`)
  const cpu = hasTime ? fs.readFileSync(cpuFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number) : null
  return { ms, cpuMs: cpu ? (cpu[0] + cpu[1]) * 1000 : null, stdout: result.stdout }
}

function series(args: string[], count = runs): Timed[] {
  timed(args, cpuFile) // warm the file cache
  return Array.from({ length: count }, () => timed(args, cpuFile))
}

function figure(values: Timed[], goal?: number): string {
  const wall = values.map((value) => value.ms)
  const median = percentile(wall, 0.5)
  const verdict = goal === undefined ? '' : median < goal ? `  (goal < ${goal} ms: met)` : `  (goal < ${goal} ms: NOT met)`
  const cpu = values.every((value) => value.cpuMs !== null) ? `; cpu median ${percentile(values.map((value) => value.cpuMs!), 0.5).toFixed(0)} ms` : ''
  return `median ${median.toFixed(0)} ms, p90 ${percentile(wall, 0.9).toFixed(0)} ms, min ${Math.min(...wall).toFixed(0)} ms${cpu}${verdict}`
}

const build = spawnSync(process.execPath, [path.join(repoRoot, 'electron/build/build-cli.mjs'), '--if-stale'], { cwd: repoRoot, stdio: 'inherit' })
if (build.status !== 0) throw new Error('building the CLI failed')

const temp = makeTempDir('notes-rag-cli-bench-')
const cpuFile = path.join(temp.dir, 'cpu.txt')
try {
  const nodeBare = series(['-e', ''])
  const help = series([bin, '--help'])
  const version = series([bin, '--version'])
  const searchHelp = series([bin, 'search', '--help'])
  printTable(`CLI start-up, ${runs} runs each (wall, spawn to exit; load average ${os.loadavg()[0].toFixed(1)} on ${os.availableParallelism()} cores)`, [
    ['node -e "" (the floor)', figure(nodeBare)],
    ['notes-rag --help', figure(help, HELP_GOAL_MS)],
    ['notes-rag --version', figure(version)],
    ['notes-rag search --help', figure(searchHelp)],
  ])

  const folder = path.join(temp.dir, 'notes')
  const { files } = await generateCorpus({ dir: folder, seed: 7 })
  for (const kind of models) {
    const dataDir = path.join(temp.dir, `data-${kind}`)
    const model = kind === 'real-shape' ? (await ensureBgeShapeModel()).modelDir : (await ensureTinyEmbeddingModel()).modelDir
    const common = ['--data-dir', dataDir, '--embedding-model', model]
    const indexed = timed([bin, 'index', folder, '--json', ...common], cpuFile)
    const summary = JSON.parse(indexed.stdout) as { summary: { added: number; chunksEmbedded: number }; status: { chunks: number } }
    const queries = ['PGConf Lisbon talk', 'TLS certificate expired', 'k6 load test checkout']
    const rows: Array<[string, string]> = [
      ['corpus', `${files.length} notes, ${summary.status.chunks} chunks, model ${kind === 'real-shape' ? 'bge-small shape (random weights)' : 'tiny lexical'}`],
      ['first index (cold, not a goal)', `${(indexed.ms / 1000).toFixed(1)} s for ${summary.summary.added} notes, ${summary.summary.chunksEmbedded} chunks embedded`],
    ]
    const all: Timed[] = []
    for (const query of queries) {
      const args = [bin, 'search', query, '--json', '--limit', '10', ...common]
      const first = JSON.parse(timed(args, cpuFile).stdout) as { mode: string; hits: Array<{ path: string }> }
      const times = series(args, Math.max(3, Math.ceil(runs / queries.length)))
      all.push(...times)
      rows.push([`search "${query}"`, `${figure(times)}; ${first.mode}, ${first.hits.length} hits, top ${first.hits[0]?.path ?? '-'}`])
    }
    rows.push(['search, all queries (warm)', figure(all, SEARCH_GOAL_MS)])
    printTable(`CLI search on a warm four-year index, ${kind === 'real-shape' ? 'bge-small-shape model' : 'tiny model'} (wall, spawn to exit, query embedding included; load average ${os.loadavg()[0].toFixed(1)})`, rows)
  }
} finally {
  temp.cleanup()
}
