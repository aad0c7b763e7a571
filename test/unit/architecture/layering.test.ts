import fs from 'node:fs'
import { builtinModules } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// The folder a file sits in says which runtime it may use (see HOUSE_STYLE): shared/ is imported by every side and
// uses no runtime of its own, the engine runs outside Electron (CLI, tests, utilityProcess), main and the preload
// reach the engine only over its port, and the renderer runs in a sandboxed page.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const NODE_BUILTINS = new Set(builtinModules)

/** A source file as the scanner sees it: its path relative to the repository root, and its text. */
interface SourceFile {
  file: string
  text: string
}

function sourceFiles(folder: string): SourceFile[] {
  const out: SourceFile[] = []
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (/\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push({ file: path.relative(root, full), text: fs.readFileSync(full, 'utf8') })
    }
  }
  walk(path.join(root, folder))
  return out
}

/** Every module specifier in a file: static and type imports, re-exports, side-effect imports, import(), require(). */
function importsOf(text: string): string[] {
  const specifiers: string[] = []
  const pattern = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|(?:^|\n)\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g
  for (const match of text.matchAll(pattern)) specifiers.push(match[1] ?? match[2] ?? match[3] ?? match[4])
  return specifiers
}

/** True when a relative specifier in `file` points into `folder` (both relative to the root). */
function resolvesInto(file: string, specifier: string, folder: string): boolean {
  if (!specifier.startsWith('.')) return false
  const target = path.resolve(root, path.dirname(file), specifier)
  const dir = path.join(root, folder)
  return target === dir || target.startsWith(dir + path.sep)
}

const isNode = (specifier: string) => specifier.startsWith('node:') || NODE_BUILTINS.has(specifier.split('/')[0])
const isElectron = (specifier: string) => specifier === 'electron' || specifier.startsWith('electron/')
const isReact = (specifier: string) => specifier === 'react' || specifier.startsWith('react/') || specifier.startsWith('react-dom')
const into = (...folders: string[]) => (file: string, specifier: string) => folders.some((folder) => resolvesInto(file, specifier, folder))

interface Rule {
  name: string
  /** The folder whose files the rule scans. */
  folder: string
  forbidden: (file: string, specifier: string) => boolean
  exempt?: (file: string) => boolean
  /** An import the rule must refuse, planted in a file of `folder`: proves the rule can fail. */
  plant: { file: string; specifier: string }
}

const RULES: Rule[] = [
  {
    name: 'shared/ imports no Node built-in',
    folder: 'shared',
    forbidden: (_file, specifier) => isNode(specifier),
    plant: { file: 'shared/planted.ts', specifier: 'node:fs' },
  },
  {
    name: 'shared/ imports neither electron nor React',
    folder: 'shared',
    forbidden: (_file, specifier) => isElectron(specifier) || isReact(specifier),
    plant: { file: 'shared/rpc/planted.ts', specifier: 'electron' },
  },
  {
    name: 'shared/ imports no other layer (electron/, renderer/, server/)',
    folder: 'shared',
    forbidden: into('electron', 'renderer', 'server'),
    plant: { file: 'shared/rpc/planted.ts', specifier: '../../electron/engine/engine' },
  },
  {
    name: 'the renderer imports no Node built-in and not electron',
    folder: 'renderer',
    forbidden: (_file, specifier) => isNode(specifier) || isElectron(specifier),
    // The Vite build config runs in Node at build time, not in the page.
    exempt: (file) => file === path.join('renderer', 'vite.config.ts'),
    plant: { file: 'renderer/api/planted.ts', specifier: 'path' },
  },
  {
    name: 'the renderer imports only shared/ of the other layers (no engine, main, preload, CLI or server)',
    folder: 'renderer',
    forbidden: into('electron', 'server'),
    plant: { file: 'renderer/api/planted.ts', specifier: '../../electron/preload/index' },
  },
  {
    name: 'the engine never imports electron',
    folder: 'electron/engine',
    forbidden: (_file, specifier) => isElectron(specifier),
    plant: { file: 'electron/engine/planted.ts', specifier: 'electron' },
  },
  {
    name: 'the engine never imports main, the preload, the CLI or the renderer',
    folder: 'electron/engine',
    forbidden: into('electron/main', 'electron/preload', 'electron/cli', 'renderer'),
    plant: { file: 'electron/engine/llm/planted.ts', specifier: '../../cli/main' },
  },
  {
    name: 'main reaches the engine only over its port: it imports no engine, preload, CLI or renderer file',
    folder: 'electron/main',
    forbidden: into('electron/engine', 'electron/preload', 'electron/cli', 'renderer'),
    plant: { file: 'electron/main/engine-host/planted.ts', specifier: '../../engine/rpc/engine-service' },
  },
  {
    name: 'the preload imports only electron and shared/ (no engine, main, CLI or renderer file)',
    folder: 'electron/preload',
    forbidden: into('electron/engine', 'electron/main', 'electron/cli', 'renderer'),
    plant: { file: 'electron/preload/planted.ts', specifier: '../main/ipc/ipc-router' },
  },
  {
    name: 'the preload runs sandboxed: it imports no Node built-in',
    folder: 'electron/preload',
    forbidden: (_file, specifier) => isNode(specifier),
    plant: { file: 'electron/preload/planted.ts', specifier: 'node:fs' },
  },
  {
    name: 'the CLI runs the engine in-process and never imports electron, main, the preload or the renderer',
    folder: 'electron/cli',
    forbidden: (file, specifier) => isElectron(specifier) || into('electron/main', 'electron/preload', 'renderer')(file, specifier),
    plant: { file: 'electron/cli/planted.ts', specifier: '../../renderer/api/get-brain' },
  },
  {
    name: 'the homelab service (server/) uses the engine and shared/, never electron, main, the preload, the CLI or the renderer',
    folder: 'server',
    forbidden: (file, specifier) => isElectron(specifier) || into('electron/main', 'electron/preload', 'electron/cli', 'renderer')(file, specifier),
    plant: { file: 'server/chat/planted.ts', specifier: '../../electron/cli/main' },
  },
  ...['electron', 'renderer', 'shared'].map(
    (folder): Rule => ({
      name: `nothing the Electron app bundles imports the homelab service (${folder}/)`,
      folder,
      forbidden: into('server'),
      plant: { file: `${folder}/planted.ts`, specifier: '../server/main' },
    }),
  ),
  ...['electron', 'renderer', 'shared', 'server'].map(
    (folder): Rule => ({
      name: `no shipped code imports the tests or their support (${folder}/)`,
      folder,
      forbidden: into('test'),
      plant: { file: `${folder}/planted.ts`, specifier: '../test/support/temp-dir' },
    }),
  ),
]

function violations(rule: Rule, files: SourceFile[]): string[] {
  return files
    .filter(({ file }) => !rule.exempt?.(file))
    .flatMap(({ file, text }) => importsOf(text).filter((specifier) => rule.forbidden(file, specifier)).map((specifier) => `${file} imports ${specifier}`))
}

describe('layering', () => {
  it('finds every kind of import (the scanner itself works)', () => {
    const text = [
      "import fs from 'node:fs'",
      "import type { A } from './a'",
      'import {\n  b,\n  c,\n} from "./b"',
      "export { d } from '../d'",
      "export * from './e'",
      "import './side-effect.css'",
      "const f = await import('./f')",
      "const g = require('./g')",
    ].join('\n')
    expect(importsOf(text)).toEqual(['node:fs', './a', './b', '../d', './e', './side-effect.css', './f', './g'])
    expect(importsOf(fs.readFileSync(path.join(root, 'electron/engine/engine.ts'), 'utf8')).length).toBeGreaterThan(5)
  })

  it.each(RULES.map((rule) => [rule.name, rule] as const))('%s', (_name, rule) => {
    const files = sourceFiles(rule.folder)
    expect(files.length).toBeGreaterThan(0)
    expect(violations(rule, files)).toEqual([])
  })

  it.each(RULES.map((rule) => [rule.name, rule] as const))('catches a planted violation: %s', (_name, rule) => {
    const planted: SourceFile = { file: rule.plant.file, text: `import { x } from '${rule.plant.specifier}'\n` }
    expect(violations(rule, [planted])).toEqual([`${rule.plant.file} imports ${rule.plant.specifier}`])
    // Importing shared/ breaks no rule: the rule refuses the violation, not every import.
    const toShared = path.relative(path.dirname(rule.plant.file), 'shared/errors').split(path.sep).join('/')
    const allowed: SourceFile = { file: rule.plant.file, text: `import { y } from '${toShared.startsWith('.') ? toShared : `./${toShared}`}'\n` }
    expect(violations(rule, [allowed])).toEqual([])
  })
})
