// Quick-search latency as the user feels it: from the last keystroke to the results for that text being in the
// DOM (and a frame later, painted), in real Chromium, over the real engine indexing the generated 4-year corpus.
// The 120 ms debounce is part of the figure on purpose. `npx tsx test/bench/quick-search-bench.ts`
import { generateCorpus } from '../fixtures/corpus/generate-corpus'
import { startAppHarness } from '../e2e/app-harness'
import { browserUnavailableReason, launchBrowser } from '../support/browser'
import { waitFor } from '../support/temp-dir'
import { percentile, printTable } from './bench-utils'

const QUERIES = [
  'kafka', 'csv export', 'release', 'hiring', 'postgres', 'on-call', 'retro', 'planning', 'opentelemetry', 'latency',
  'march 2023', 'last year', 'search feature', 'migration', 'incident', 'roadmap', 'design review', 'budget',
  'tests', 'quarterly', 'deploy', 'customer', 'onboarding', 'dashboard', 'q3 2024', 'spans', 'bug', 'team', 'sprint',
  'performance',
]
const ROUNDS = Number(process.env.QUICK_SEARCH_BENCH_ROUNDS ?? 2)

async function main(): Promise<void> {
  const missing = browserUnavailableReason()
  if (missing) {
    console.log(`quick-search bench skipped: ${missing}`)
    return
  }
  const setupStart = performance.now()
  const harness = await startAppHarness({ chatModel: 'installed', folder: 'preset', writeNotes: (dir) => generateCorpus({ dir }) })
  const browser = await launchBrowser()
  try {
    await waitFor(async () => (await harness.engine.call('getStatus', [])).phase.type === 'ready', { timeoutMs: 600_000, what: 'corpus indexed' })
    const status = await harness.engine.call('getStatus', [])
    const setupSeconds = (performance.now() - setupStart) / 1000
    const page = await browser.newPage({ viewport: { width: 720, height: 460 } })
    await page.goto(`${harness.bridge.url}quick-search.html`)
    const input = page.getByRole('combobox', { name: 'Search your notes' })
    await input.waitFor()
    // Timestamps taken inside the page: keydown of the last character, then the first frame showing its results.
    await page.evaluate(`document.addEventListener('keydown', (event) => { window.lastKeyAt = event.timeStamp }, true)`)

    const latencies: number[] = []
    const engineMs: number[] = []
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const query of QUERIES) {
        await input.fill('')
        await input.pressSequentially(query.slice(0, -1))
        // A string, not a function: tsx's name-keeping helper does not exist inside the page.
        const rendered = page.evaluate<number>(`new Promise((resolve) => {
          const expected = ${JSON.stringify(query)}
          const done = () => {
            const list = document.getElementById('quick-results')
            if (!list || list.dataset.query !== expected) return false
            requestAnimationFrame(() => resolve(performance.now() - window.lastKeyAt))
            return true
          }
          if (done()) return
          const observer = new MutationObserver(() => done() && observer.disconnect())
          observer.observe(document.body, { subtree: true, attributes: true, childList: true })
        })`)
        await input.press(query.slice(-1))
        latencies.push(await rendered)
        engineMs.push((await harness.engine.call('search', [query, { limit: 12 }])).tookMs)
      }
    }
    printTable(`Quick search: keystroke to results rendered (${latencies.length} searches, Chromium, real engine)`, [
      ['corpus', `${status.files} files, ${status.chunks} chunks, ${status.vectors} vectors`],
      ['setup (generate, build, index)', `${setupSeconds.toFixed(1)} s`],
      ['p50', `${percentile(latencies, 0.5).toFixed(1)} ms`],
      ['p95', `${percentile(latencies, 0.95).toFixed(1)} ms`],
      ['max', `${Math.max(...latencies).toFixed(1)} ms`],
      ['of which debounce', '120 ms'],
      ['engine search p50 / p95', `${percentile(engineMs, 0.5).toFixed(1)} / ${percentile(engineMs, 0.95).toFixed(1)} ms`],
    ])
  } finally {
    await browser.close()
    await harness.close()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
