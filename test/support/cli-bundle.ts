import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const bundlesDir = path.join(repoRoot, '.cache', 'cli-bundle')

/** A key for the CLI's sources (every file under electron/ and shared/, by path, size and mtime). */
function sourceKey(): string {
  const hash = createHash('sha256')
  const walk = (directory: string): void => {
    for (const entry of fs.readdirSync(directory, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(directory, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (/\.(ts|mts|json)$/.test(entry.name)) {
        const stat = fs.statSync(full)
        hash.update(`${full}\0${stat.size}\0${stat.mtimeMs}\n`)
      }
    }
  }
  walk(path.join(repoRoot, 'electron'))
  walk(path.join(repoRoot, 'shared'))
  hash.update(fs.readFileSync(path.join(repoRoot, 'package-lock.json')))
  return hash.digest('hex').slice(0, 16)
}

let built: Promise<string> | null = null

/**
 * The CLI (`electron/cli/main.ts` with the engine and its embedding worker) bundled by esbuild into
 * `.cache/cli-bundle/<key>/run.mjs`, dependencies left in node_modules. It is the same code `bin/notes-rag.mjs`
 * runs through tsx, without tsx transforming every module again in each process: the fault suite starts the CLI
 * some sixty times. Rebuilt when a source changes; concurrent test files share one build.
 */
export function cliBundle(): Promise<string> {
  built ??= (async () => {
    const target = path.join(bundlesDir, sourceKey())
    const entry = path.join(target, 'run.mjs')
    if (fs.existsSync(entry)) return entry
    const staging = `${target}.tmp-${process.pid}`
    fs.rmSync(staging, { recursive: true, force: true })
    fs.mkdirSync(staging, { recursive: true })
    const { build } = await import('esbuild')
    await build({
      entryPoints: [path.join(repoRoot, 'electron/cli/main.ts'), path.join(repoRoot, 'electron/engine/embedder/embedding-worker.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      outdir: staging,
      entryNames: '[name]',
      logLevel: 'warning',
    })
    // main.js finds embedding-worker.js beside itself (the built layout); .js files here are ES modules.
    fs.writeFileSync(path.join(staging, 'package.json'), '{"type":"module"}\n')
    fs.writeFileSync(path.join(staging, 'run.mjs'), "const { main } = await import('./main.js')\nprocess.exitCode = await main(process.argv.slice(2))\n")
    try {
      fs.renameSync(staging, target)
    } catch {
      // Another test process finished the same build first.
      fs.rmSync(staging, { recursive: true, force: true })
    }
    return entry
  })()
  return built
}
