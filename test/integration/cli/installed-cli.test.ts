import { spawn } from 'node:child_process'
import { builtinModules } from 'node:module'
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { COMMANDS, USAGE } from '../../../electron/cli/command-help'
import { cliBin, repoRoot } from '../../support/run-cli'
import { makeTempDir, writeFiles } from '../../support/temp-dir'
import { ensureTinyEmbeddingModel } from '../../support/tiny-embedding-model'

// The CLI as `npm install` leaves it: bin/notes-rag.mjs running the JavaScript build in out/cli/ (the global setup
// builds it when it is missing or stale).

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function run(args: string[], { nodeArgs = [], bin = cliBin, env = {} }: { nodeArgs?: string[]; bin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const child = spawn(process.execPath, [...nodeArgs, bin, ...args], { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1', ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (data) => (stdout += data))
  child.stderr.on('data', (data) => (stderr += data))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}

const packageJson = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  version: string
  bin: Record<string, string>
  scripts: Record<string, string>
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
}

const temps: Array<() => void> = []
/** `--import` this to make any TypeScript source or tsx module loaded at run time fail the process. */
let noTypeScriptGuard: string
/** `--import` this to append "<package> <importer URL>" to $NOTES_RAG_IMPORT_LOG for each heavy package resolved. */
let importRecorder: string
const HEAVY_PACKAGES = ['openai', 'node-llama-cpp', '@huggingface/transformers', '@lancedb/lancedb']
beforeAll(() => {
  const temp = makeTempDir('notes-rag-installed-cli-')
  temps.push(temp.cleanup)
  writeFiles(temp.dir, {
    'hooks.mjs': [
      'export async function resolve(specifier, context, next) {',
      '  const resolved = await next(specifier, context)',
      "  if (/\\.[cm]?tsx?$/.test(new URL(resolved.url).pathname) || /[\\\\/]node_modules[\\\\/]tsx[\\\\/]/.test(resolved.url)) {",
      "    throw new Error('TypeScript loaded at run time: ' + resolved.url)",
      '  }',
      '  return resolved',
      '}',
    ].join('\n'),
    'register.mjs': "import { register } from 'node:module'\nregister(new URL('./hooks.mjs', import.meta.url))\n",
    'record-hooks.mjs': [
      "import { appendFileSync } from 'node:fs'",
      `const watched = new Set(${JSON.stringify(HEAVY_PACKAGES)})`,
      'export async function resolve(specifier, context, next) {',
      "  if (watched.has(specifier) && process.env.NOTES_RAG_IMPORT_LOG) appendFileSync(process.env.NOTES_RAG_IMPORT_LOG, specifier + ' ' + context.parentURL + '\\n')",
      '  return next(specifier, context)',
      '}',
    ].join('\n'),
    'record.mjs': "import { register } from 'node:module'\nregister(new URL('./record-hooks.mjs', import.meta.url))\n",
  })
  noTypeScriptGuard = pathToFileURL(path.join(temp.dir, 'register.mjs')).href
  importRecorder = pathToFileURL(path.join(temp.dir, 'record.mjs')).href
})
afterAll(() => temps.forEach((cleanup) => cleanup()))

describe('the installed notes-rag CLI (built, real processes)', () => {
  it('is built by npm install and needs no TypeScript tooling at run time', () => {
    expect(packageJson.bin['notes-rag']).toBe('bin/notes-rag.mjs')
    expect(packageJson.scripts.prepare).toMatch(/build:cli/)
    expect(packageJson.dependencies.tsx).toBeUndefined()
    expect(packageJson.devDependencies.tsx).toBeDefined()
    // Everything the bundle leaves external must be installed for users: Node built-ins or production dependencies.
    const meta = JSON.parse(fs.readFileSync(path.join(repoRoot, 'out/cli/meta.json'), 'utf8')) as {
      outputs: Record<string, { imports: Array<{ path: string; external?: boolean }> }>
    }
    const external = new Set(Object.values(meta.outputs).flatMap((output) => output.imports.filter((entry) => entry.external).map((entry) => entry.path)))
    const packageOf = (specifier: string) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0])
    const builtins = new Set(builtinModules)
    const notInstalledForUsers = [...external].filter((specifier) => !specifier.startsWith('node:') && !builtins.has(specifier) && !(packageOf(specifier) in packageJson.dependencies))
    expect(notInstalledForUsers).toEqual([])
    expect([...external].map(packageOf)).toEqual(expect.arrayContaining(['better-sqlite3', '@lancedb/lancedb', 'node-llama-cpp', '@huggingface/transformers']))
  })

  it('--version prints the package version', async () => {
    const result = await run(['--version'])
    expect(result).toEqual({ code: 0, stdout: `${packageJson.version}\n`, stderr: '' })
  })

  it('prints the general help for help, --help and no command', async () => {
    for (const args of [['help'], ['--help'], ['-h'], []]) {
      const result = await run(args)
      expect(result, args.join(' ')).toEqual({ code: 0, stdout: USAGE, stderr: '' })
    }
    expect(USAGE).toMatch(/notes-rag help <command>/)
    expect(USAGE).toMatch(/--version/)
  })

  it('prints each command its own help, the same for help <command> and <command> --help', async () => {
    const helps = new Set<string>()
    for (const command of COMMANDS) {
      const [viaHelp, viaFlag] = await Promise.all([run(['help', command]), run([command, '--help'])])
      expect(viaHelp.code, command).toBe(0)
      expect(viaHelp.stdout, command).toMatch(new RegExp(`^notes-rag ${command}\\b`))
      expect(viaHelp.stdout, command).not.toBe(USAGE)
      expect(viaFlag, command).toEqual(viaHelp)
      helps.add(viaHelp.stdout)
    }
    expect(helps.size).toBe(COMMANDS.length)
    expect((await run(['help', 'index'])).stdout).toMatch(/--confirm-removals/)
    expect((await run(['search', '--help'])).stdout).toMatch(/--limit N/)
  })

  it('refuses extra arguments with a clear message and touches nothing', async () => {
    const temp = makeTempDir('notes-rag-extra-args-')
    temps.push(temp.cleanup)
    const dataDir = path.join(temp.dir, 'data')
    const index = await run(['index', 'My', 'Notes', '--data-dir', dataDir])
    expect(index.code).toBe(2)
    expect(index.stdout).toBe('')
    expect(index.stderr).toBe('notes-rag index takes one folder, but got 2: "My" "Notes". Quote a path with spaces: notes-rag index "My Notes".\n')
    const search = await run(['search', 'kubernetes', 'last', 'march', '--data-dir', dataDir])
    expect(search.code).toBe(2)
    expect(search.stderr).toMatch(/^notes-rag search takes one query, but got 3: "kubernetes" "last" "march"\. Put the query in quotes: notes-rag search "kubernetes last march"\.\n$/)
    const status = await run(['status', 'everything', '--data-dir', dataDir])
    expect(status.code).toBe(2)
    expect(status.stderr).toMatch(/^notes-rag status takes no arguments/)
    expect((await run(['help', 'index', 'search'])).code).toBe(2)
    expect((await run(['frobnicate'])).stderr).toMatch(/^Unknown command "frobnicate"/)
    expect(fs.existsSync(dataDir)).toBe(false)
  })

  it('indexes and searches with no TypeScript module loaded, the embedding worker included', async () => {
    // The guard itself fails a process that loads tsx, so its silence below means something.
    const control = await run(['--version'], { nodeArgs: ['--import', noTypeScriptGuard, '--import', 'tsx'] })
    expect(control.code).not.toBe(0)
    expect(control.stderr).toMatch(/TypeScript loaded at run time/)

    const { modelDir } = await ensureTinyEmbeddingModel()
    const temp = makeTempDir('notes-rag-built-cli-')
    temps.push(temp.cleanup)
    const folder = path.join(temp.dir, 'notes')
    writeFiles(folder, {
      '2024/2024-W10.md': '# 2024-W10\n\n## Done\n\n- Moved the billing service to the new postgres cluster\n',
      '2024/2024-W11.md': '# 2024-W11\n\n## Done\n\n- Wrote the mobile release checklist\n',
    })
    const common = ['--data-dir', path.join(temp.dir, 'data'), '--embedding-model', modelDir]
    const guard = { nodeArgs: ['--import', noTypeScriptGuard] }
    const indexed = await run(['index', folder, '--json', ...common], guard)
    expect(indexed.code, indexed.stderr).toBe(0)
    expect(JSON.parse(indexed.stdout).summary).toMatchObject({ added: 2, failed: 0 })
    expect(JSON.parse(indexed.stdout).summary.chunksEmbedded).toBeGreaterThan(0)
    const searched = await run(['search', 'postgres cluster', '--json', ...common], guard)
    expect(searched.code, searched.stderr).toBe(0)
    const result = JSON.parse(searched.stdout)
    expect(result.mode).toBe('hybrid')
    expect(result.hits[0].path).toBe('2024/2024-W10.md')

    // A search's main thread loads what it searches with (SQLite, LanceDB) and nothing it does not: no gateway SDK,
    // no llama.cpp, and no Transformers.js (the tokenizer loads only when chunking; the worker embeds the query).
    const log = path.join(temp.dir, 'imports.log')
    const recorded = await run(['search', 'postgres cluster', '--json', ...common], { nodeArgs: ['--import', importRecorder], env: { NOTES_RAG_IMPORT_LOG: log } })
    expect(recorded.code, recorded.stderr).toBe(0)
    expect(JSON.parse(recorded.stdout).mode).toBe('hybrid')
    const imports = fs.readFileSync(log, 'utf8').trim().split('\n').map((line) => {
      const [specifier, importer] = line.split(' ')
      return { specifier, fromWorker: /[\\/]embedding-worker\.js$/.test(new URL(importer).pathname) }
    })
    const onMain = imports.filter((entry) => !entry.fromWorker).map((entry) => entry.specifier)
    expect(onMain).toContain('@lancedb/lancedb')
    expect(onMain.filter((specifier) => specifier !== '@lancedb/lancedb')).toEqual([])
    expect(imports.filter((entry) => entry.fromWorker).map((entry) => entry.specifier)).toContain('@huggingface/transformers')
  }, 180_000)

  it('says how to build it when the build is missing', async () => {
    const temp = makeTempDir('notes-rag-unbuilt-')
    temps.push(temp.cleanup)
    const bin = path.join(temp.dir, 'bin', 'notes-rag.mjs')
    fs.mkdirSync(path.dirname(bin))
    fs.copyFileSync(cliBin, bin)
    const result = await run(['--help'], { bin })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/the CLI is not built .*out\/cli\/notes-rag\.js is missing\): run `npm run build:cli`/)
  })
})
