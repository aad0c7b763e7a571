/**
 * `npm run bench`: runs every benchmark in its own process, one after another, printing their figures.
 * BENCH_ONLY=index,search runs a subset.
 */
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const benches = ['index', 'search', 'embedder', 'real-shape', 'llm', 'answer', 'rpc', 'quick-search', 'sync', 'server']
const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim())
let failed = 0
for (const name of benches) {
  if (only && !only.includes(name)) continue
  const file = path.join(here, `${name}-bench.ts`)
  console.log(`\n=== ${name} (${path.relative(process.cwd(), file)}) ===`)
  const result = spawnSync(process.execPath, ['--import', 'tsx', file, ...process.argv.slice(2)], { stdio: 'inherit' })
  if (result.status !== 0) {
    failed += 1
    console.error(`${name} benchmark failed (exit ${result.status ?? result.signal})`)
  }
}
process.exitCode = failed > 0 ? 1 : 0
