import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/**
 * Vitest global setup: the CLI tests spawn the built CLI (bin/notes-rag.mjs runs out/cli/), as an installed
 * `notes-rag` does. `npm install` builds it; this rebuilds it when a source file changed since, so a test never
 * runs yesterday's build.
 */
export default function setup(): void {
  const build = spawnSync(process.execPath, [path.join(repoRoot, 'electron/build/build-cli.mjs'), '--if-stale'], { cwd: repoRoot, encoding: 'utf8' })
  if (build.status !== 0) throw new Error(`Building the CLI failed (exit ${build.status ?? build.signal}):\n${build.stderr}${build.stdout}`)
  if (build.stdout.trim()) console.log(build.stdout.trim())
}
