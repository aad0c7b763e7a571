import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// The folder a file sits in says which runtime it may use (see HOUSE_STYLE): shared/ is imported by every side,
// the engine runs outside Electron (CLI, tests, utilityProcess), and the renderer runs in a sandboxed page.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const NODE_BUILTINS = new Set(['fs', 'path', 'os', 'crypto', 'child_process', 'worker_threads', 'url', 'util', 'http', 'https', 'net', 'stream', 'events', 'module', 'zlib'])

function sourceFiles(folder: string): string[] {
  const out: string[] = []
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (/\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(full)
    }
  }
  walk(path.join(root, folder))
  return out
}

function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8')
  const specifiers: string[] = []
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    specifiers.push(match[1] ?? match[2] ?? match[3])
  }
  return specifiers
}

function resolvesInto(file: string, specifier: string, folder: string): boolean {
  if (!specifier.startsWith('.')) return false
  return path.resolve(path.dirname(file), specifier).startsWith(path.join(root, folder))
}

function violations(folder: string, forbidden: (file: string, specifier: string) => boolean, exempt: (file: string) => boolean = () => false): string[] {
  return sourceFiles(folder)
    .filter((file) => !exempt(file))
    .flatMap((file) => importsOf(file).filter((specifier) => forbidden(file, specifier)).map((specifier) => `${path.relative(root, file)} imports ${specifier}`))
}

const isNode = (specifier: string) => specifier.startsWith('node:') || NODE_BUILTINS.has(specifier)

describe('layering', () => {
  it('finds imports (the scanner itself works)', () => {
    expect(importsOf(path.join(root, 'electron/engine/engine.ts')).length).toBeGreaterThan(5)
  })

  it('shared/ imports nothing from Node, Electron, React or the other layers', () => {
    expect(
      violations('shared', (file, specifier) => isNode(specifier) || specifier === 'electron' || specifier.startsWith('react') || resolvesInto(file, specifier, 'electron') || resolvesInto(file, specifier, 'renderer')),
    ).toEqual([])
  })

  it('the engine never imports electron, main, preload or the renderer', () => {
    expect(
      violations('electron/engine', (file, specifier) => specifier === 'electron' || resolvesInto(file, specifier, 'electron/main') || resolvesInto(file, specifier, 'electron/preload') || resolvesInto(file, specifier, 'renderer')),
    ).toEqual([])
  })

  it('the renderer never imports Node, Electron or the engine (only shared/)', () => {
    expect(
      violations(
        'renderer',
        (file, specifier) => isNode(specifier) || specifier === 'electron' || resolvesInto(file, specifier, 'electron'),
        // The Vite build config runs in Node at build time, not in the page.
        (file) => file.endsWith(`renderer${path.sep}vite.config.ts`),
      ),
    ).toEqual([])
  })

  it('the homelab service (server/) uses the engine and shared/, never electron, main, preload, the CLI or the renderer', () => {
    expect(
      violations(
        'server',
        (file, specifier) =>
          specifier === 'electron' ||
          resolvesInto(file, specifier, 'electron/main') ||
          resolvesInto(file, specifier, 'electron/preload') ||
          resolvesInto(file, specifier, 'electron/cli') ||
          resolvesInto(file, specifier, 'renderer'),
      ),
    ).toEqual([])
  })

  it('nothing the Electron app bundles imports the homelab service', () => {
    for (const folder of ['electron', 'renderer', 'shared']) {
      expect(violations(folder, (file, specifier) => resolvesInto(file, specifier, 'server'))).toEqual([])
    }
  })
})
