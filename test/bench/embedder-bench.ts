// Embedding throughput of the tiny test model through the real worker pipeline: `npx tsx test/bench/embedder-bench.ts`.
// Figures only; the tiny model is a Gather lookup, so this measures the pipeline's own overhead (tokenising,
// padding, pooling, worker messaging) rather than a real transformer's compute.
import { createEmbedder, WorkerEmbedder } from '../../electron/engine/embedder/create-embedder'
import { ensureTinyEmbeddingModel } from '../support/tiny-embedding-model'
import { percentile } from './bench-utils'

const PASSAGES = Number(process.env.BENCH_PASSAGES ?? 2000)
const WORDS = 'meeting project release deploy database migration budget review dentist garden hiking team plan sprint bug fix customer report weekly notes'.split(' ')

function passage(index: number): string {
  // Deterministic chunks of 40-160 words, close to what the chunker emits for weekly logs.
  const length = 40 + ((index * 37) % 120)
  const words: string[] = [`## ${2020 + (index % 5)}-W${String((index % 52) + 1).padStart(2, '0')}`]
  for (let word = 0; word < length; word++) words.push(WORDS[(index * 7 + word * 13) % WORDS.length])
  return words.join(' ')
}

const model = await ensureTinyEmbeddingModel()
const texts = Array.from({ length: PASSAGES, }, (_, index) => passage(index))
console.log(`embedder bench: ${model.modelId}, ${PASSAGES} passages of 40-160 words, node ${process.version}`)

for (const [batchSize, threads] of [[8], [16], [32], [16, 1]] as Array<[number, number?]>) {
  const loadStart = performance.now()
  const embedder = await createEmbedder({ model: model.modelId, modelsDir: model.modelsDir, allowDownload: false, remoteHost: 'http://127.0.0.1:9/', batchSize, threads })
  const loadMs = performance.now() - loadStart
  try {
    await embedder.embedPassages(texts.slice(0, batchSize * 2)) // warm-up
    const start = performance.now()
    await embedder.embedPassages(texts)
    const seconds = (performance.now() - start) / 1000

    // Query latency while a bulk job of the same size runs in the same worker.
    const worker = embedder as WorkerEmbedder
    const bulk = embedder.embedPassages(texts)
    const latencies: number[] = []
    const before = worker.batchesCompleted
    while (worker.batchesCompleted - before < Math.ceil(PASSAGES / batchSize) - 2 && latencies.length < 50) {
      const queryStart = performance.now()
      await embedder.embedQuery(`when was the ${WORDS[latencies.length % WORDS.length]} review?`)
      latencies.push(performance.now() - queryStart)
    }
    await bulk
    console.log(
      `batch ${String(batchSize).padStart(2)}${threads ? `, ${threads} thread` : ''}: ${(PASSAGES / seconds).toFixed(0).padStart(6)} passages/s` +
        ` | load ${loadMs.toFixed(0)} ms` +
        ` | query during bulk p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p95 ${percentile(latencies, 0.95).toFixed(1)} ms (${latencies.length} queries)`,
    )
  } finally {
    await embedder.dispose()
  }
}
