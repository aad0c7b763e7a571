import { spawnSync } from 'node:child_process'
import { builtinModules } from 'node:module'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildRenderer } from '../../support/browser'
import { repoRoot } from '../../support/run-cli'
import { makeTempDir } from '../../support/temp-dir'

// The production build (`electron-vite build`, what `npm start` and `npm run dist` ship) into a temp folder, checked
// for what must not ship: the dev WebSocket bridge (server and renderer client) and imports of packages that
// electron-builder would not pack (devDependencies).

/** Strings only the bridge code contains: the renderer's client (ws-brain.ts) and the server (ws-bridge-server.ts). */
const BRIDGE_MARKERS = ['The bridge client is closed.', 'The bridge connection closed.', 'The bridge binds to 127.0.0.1 only.']

const temps: Array<() => void> = []
let outDir: string
beforeAll(() => {
  const temp = makeTempDir('notes-rag-production-build-')
  temps.push(temp.cleanup)
  outDir = temp.dir
  const cli = path.join(repoRoot, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js')
  const build = spawnSync(process.execPath, [cli, 'build', '--outDir', outDir, '--logLevel', 'warn'], { cwd: repoRoot, encoding: 'utf8' })
  if (build.status !== 0) throw new Error(`electron-vite build failed (exit ${build.status ?? build.signal}):\n${build.stderr}${build.stdout}`)
}, 300_000)
afterAll(() => temps.forEach((cleanup) => cleanup()))

/** Every .js/.cjs/.mjs file under `dir`, with its text. */
function scripts(dir: string): Array<{ file: string; text: string }> {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.[cm]?js$/.test(entry.name))
    .map((entry) => {
      const file = path.join(entry.parentPath, entry.name)
      return { file: path.relative(dir, file), text: fs.readFileSync(file, 'utf8') }
    })
}

describe('the production bundle', () => {
  it('holds main, the engine process, the preload and both windows', () => {
    const files = scripts(outDir).map((script) => script.file)
    expect(files).toEqual(expect.arrayContaining(['main/index.js', 'main/engine-process.js', 'main/embedding-worker.js', 'preload/index.cjs']))
    expect(fs.existsSync(path.join(outDir, 'renderer', 'chat.html'))).toBe(true)
    expect(fs.existsSync(path.join(outDir, 'renderer', 'quick-search.html'))).toBe(true)
  })

  it('leaves the dev WebSocket bridge out, server and client', () => {
    const all = scripts(outDir)
    for (const marker of BRIDGE_MARKERS) expect(all.filter((script) => script.text.includes(marker)).map((script) => script.file), marker).toEqual([])
    // In its place, a plain browser opening a production page is told why nothing works.
    expect(all.some((script) => script.file.startsWith('renderer') && script.text.includes('the production build runs only inside the notes-rag app'))).toBe(true)
  })

  it('keeps the bridge client in the `web` mode build the browser tests use (the markers are the right ones)', async () => {
    const temp = makeTempDir('notes-rag-web-build-')
    temps.push(temp.cleanup)
    await buildRenderer(temp.dir)
    const texts = scripts(temp.dir).map((script) => script.text)
    expect(texts.some((text) => text.includes(BRIDGE_MARKERS[0]))).toBe(true)
    expect(texts.some((text) => text.includes('the production build runs only inside the notes-rag app'))).toBe(false)
  }, 120_000)

  it('imports at run time only what the packaged app installs: Node, Electron and production dependencies', () => {
    const { dependencies } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
    const builtins = new Set(builtinModules)
    const packageOf = (specifier: string) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0])
    const specifiers = new Set<string>()
    for (const { text } of [...scripts(path.join(outDir, 'main')), ...scripts(path.join(outDir, 'preload'))]) {
      const statements = text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;"'`]*?\bfrom\s*["']([^"']+)["']/g)
      const bare = text.matchAll(/(?:^|\n)\s*import\s*["']([^"']+)["']/g)
      const calls = text.matchAll(/\b(?:import|require)\(\s*["']([^"']+)["']\s*\)/g)
      for (const match of [...statements, ...bare, ...calls]) if (!match[1].startsWith('.') && !match[1].startsWith('/')) specifiers.add(match[1])
    }
    const unshipped = [...specifiers].filter((specifier) => !specifier.startsWith('node:') && !builtins.has(specifier) && specifier !== 'electron' && !(packageOf(specifier) in dependencies))
    expect(unshipped).toEqual([])
    // The scan sees the externals it should (so an empty list above means something).
    expect([...specifiers].map(packageOf)).toEqual(expect.arrayContaining(['electron', 'better-sqlite3', 'node-llama-cpp', '@lancedb/lancedb']))
  })
})
