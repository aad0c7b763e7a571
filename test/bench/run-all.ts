/**
 * `npm run bench`: runs every benchmark in its own process, one after another, printing their figures.
 * BENCH_ONLY=index,search runs a subset. `--phi` (or PHI_SHAPE=1) adds the Phi-3.5-mini-shape benchmark, which writes
 * a 2.4 GB model to a temp dir and runs for many minutes on a 2-core machine.
 */
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const benches = ['cli', 'index', 'search', 'embedder', 'real-shape', 'llm', 'answer', 'rpc', 'quick-search', 'sync', 'server']
const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim())
const phi = process.argv.includes('--phi') || process.env.PHI_SHAPE === '1' || only?.includes('phi-shape') === true
if (phi) benches.push('phi-shape')
// The flag is this runner's; the benchmarks' own argument parsers would refuse it.
const forwarded = process.argv.slice(2).filter((argument) => argument !== '--phi')
let failed = 0
for (const name of benches) {
  if (only && !only.includes(name)) continue
  const file = path.join(here, `${name}-bench.ts`)
  console.log(`\n=== ${name} (${path.relative(process.cwd(), file)}) ===`)
  const result = spawnSync(process.execPath, ['--import', 'tsx', file, ...forwarded], { stdio: 'inherit' })
  if (result.status !== 0) {
    failed += 1
    console.error(`${name} benchmark failed (exit ${result.status ?? result.signal})`)
  }
}
process.exitCode = failed > 0 ? 1 : 0
