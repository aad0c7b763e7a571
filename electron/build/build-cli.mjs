#!/usr/bin/env node
// `npm run build:cli` (and `npm install`, through `prepare`): bundles the CLI's TypeScript into out/cli/, so
// `notes-rag` (and the homelab service, `notes-rag-server`) start from plain JavaScript with no compiler at run time. Every package stays external (native
// modules such as better-sqlite3, LanceDB, onnxruntime-node and node-llama-cpp must load from node_modules anyway),
// so only this repository's code is bundled. The embedding worker is built beside the CLI, where the engine looks
// for it (`./embedding-worker.js` next to the module that starts it).
//
//   node electron/build/build-cli.mjs            build
//   node electron/build/build-cli.mjs --if-stale build only when a source file is newer than the last build
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const cliOutDir = path.join(root, 'out', 'cli')
export const cliEntry = path.join(cliOutDir, 'notes-rag.js')
const metafilePath = path.join(cliOutDir, 'meta.json')

/** Why the build in out/cli/ is out of date (a missing output, or the first input newer than it), or null. */
export function staleReason() {
  if (!fs.existsSync(cliEntry) || !fs.existsSync(metafilePath)) return 'not built yet'
  const builtAt = fs.statSync(metafilePath).mtimeMs
  let inputs
  try {
    inputs = Object.keys(JSON.parse(fs.readFileSync(metafilePath, 'utf8')).inputs)
  } catch {
    return 'unreadable build metadata'
  }
  // A new source file only enters the bundle through an import in a file that changed, so the inputs suffice.
  for (const input of [...inputs, 'electron/build/build-cli.mjs', 'package.json']) {
    const file = path.join(root, input)
    if (!fs.existsSync(file)) return `${input} is gone`
    if (fs.statSync(file).mtimeMs > builtAt) return `${input} changed`
  }
  return null
}

/** Bundles the CLI into out/cli/; returns what was built and why. */
export async function buildCli({ ifStale = false } = {}) {
  const reason = staleReason()
  if (ifStale && reason === null) return { built: false, reason: 'up to date' }
  let esbuild
  try {
    esbuild = await import('esbuild')
  } catch {
    throw new Error('esbuild is not installed (a production-only install?): run `npm install` in the checkout, then `npm run build:cli`.')
  }
  // Built beside and swapped in, so a CLI started meanwhile never loads half a build.
  const buildDir = `${cliOutDir}.${process.pid}.tmp`
  fs.rmSync(buildDir, { recursive: true, force: true })
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: {
      'notes-rag': 'electron/cli/cli-entry.ts',
      'notes-rag-server': 'server/main.ts',
      'embedding-worker': 'electron/engine/embedder/embedding-worker.ts',
    },
    outdir: buildDir,
    bundle: true,
    // Code split: `help` and usage errors load only the small argument parser, not the engine.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
  })
  fs.writeFileSync(path.join(buildDir, 'meta.json'), JSON.stringify(result.metafile))
  fs.rmSync(cliOutDir, { recursive: true, force: true })
  fs.renameSync(buildDir, cliOutDir)
  return { built: true, reason: reason ?? 'rebuild asked' }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const ifStale = process.argv.includes('--if-stale')
  buildCli({ ifStale }).then(
    ({ built, reason }) => {
      if (built) console.log(`notes-rag CLI built into ${path.relative(process.cwd(), cliOutDir) || cliOutDir} (${reason})`)
    },
    (error) => {
      console.error(`notes-rag: building the CLI failed: ${error instanceof Error ? error.message : String(error)}`)
      process.exitCode = 1
    },
  )
}
