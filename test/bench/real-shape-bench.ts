/**
 * What embedding really costs (issue 16): a model of bge-small-en-v1.5's exact shape with random weights, through the
 * product's worker pipeline and, on the same batches, through onnxruntime-node directly; the machine's measured
 * dense-matmul rate as the limit; each scheduling speed-up on and off in the same run; then the first full index of a
 * four-year log (208 notes of about 1,500 words) through the real engine with search latency while it runs.
 *
 * Run: npx tsx test/bench/real-shape-bench.ts [--passages 160] [--skip-index] [--before: the index also as before the
 * int8 weights and the query worker, for a same-run comparison]
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { parseArgs } from 'node:util'
import * as ort from 'onnxruntime-node'
import { AutoTokenizer, type PreTrainedTokenizer } from '@huggingface/transformers'
import { createEmbedder, defaultEmbeddingThreads, PREPARED_MODELS_FOLDER, WorkerEmbedder } from '../../electron/engine/embedder/create-embedder'
import { cpuHasVnni, prepareModel } from '../../electron/engine/embedder/prepared-model'
import type { EmbedderOptions } from '../../electron/engine/embedder/types'
import { Engine } from '../../electron/engine/engine'
import { generateCorpus } from '../fixtures/corpus/generate-corpus'
import { bgeShapeFlops, BGE_SHAPE, ensureBgeShapeModel, type BgeShapeModel } from '../support/bge-shape-model'
import { makeTempDir } from '../support/temp-dir'
import { percentile, printTable, trackPeakRss } from './bench-utils'

const { onnx } = createRequire(import.meta.url)('onnx-proto') as typeof import('onnx-proto')
const NO_HUB = 'http://127.0.0.1:9/'
const CHUNK_TOKENS = 320
const BATCH = 16

const { values } = parseArgs({
  options: { passages: { type: 'string', default: '160' }, 'skip-index': { type: 'boolean', default: false }, before: { type: 'boolean', default: false } },
})
const passageCount = Number(values.passages)

/** Notes of the generated four-year log, each grown to about 1,500 words with day sections from other weeks. */
async function fourYearLog(dir: string): Promise<string[]> {
  const { files } = await generateCorpus({ dir, seed: 7 })
  const bodies = files.map((file) => fs.readFileSync(path.join(dir, file), 'utf8'))
  const days = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']
  files.forEach((file, index) => {
    let text = bodies[index]
    for (let step = 1; text.split(/\s+/).length < 1_500; step++) {
      const borrowed = bodies[(index + step * 37) % bodies.length].split('\n').filter((line) => line.startsWith('- '))
      text += `\n\n## ${days[step % days.length]}\n\n${borrowed.join('\n')}\n`
    }
    fs.writeFileSync(path.join(dir, file), text)
  })
  return files
}

/** Section-sized passages of at most 320 tokens, the way the chunker cuts weekly notes (so lengths vary). */
function passagesFrom(texts: string[], tokenizer: PreTrainedTokenizer, limit: number): string[] {
  const count = (text: string): number => tokenizer.encode(text, { add_special_tokens: false }).length
  const passages: string[] = []
  for (const text of texts) {
    let current: string[] = []
    let tokens = 0
    for (const line of text.split('\n')) {
      const lineTokens = count(line)
      if ((line.startsWith('#') && tokens > 40) || tokens + lineTokens > CHUNK_TOKENS) {
        if (current.length > 0) passages.push(current.join('\n'))
        current = []
        tokens = 0
      }
      current.push(line)
      tokens += lineTokens
    }
    if (current.length > 0) passages.push(current.join('\n'))
    if (passages.length >= limit) break
  }
  return passages.slice(0, limit)
}

/** One fp32 MatMul the size of a 16 x 320-token batch through a 384 -> 1536 projection: the machine's dense rate. */
async function measureDenseRate(threads: number): Promise<number> {
  const m = BATCH * CHUNK_TOKENS
  const k = BGE_SHAPE.hidden
  const n = BGE_SHAPE.intermediate
  const { FLOAT } = onnx.TensorProto.DataType
  const weights = new Float32Array(k * n).map((_, index) => ((index * 2654435761) % 1000) / 1e5)
  const bytes = onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'dense-rate',
        node: [{ opType: 'MatMul', input: ['a', 'b'], output: ['c'], name: 'matmul' }],
        initializer: [{ name: 'b', dataType: FLOAT, dims: [k, n], rawData: new Uint8Array(weights.buffer) }],
        input: [{ name: 'a', type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimValue: m }, { dimValue: k }] } } } }],
        output: [{ name: 'c', type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimValue: m }, { dimValue: n }] } } } }],
      },
    }),
  ).finish()
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1 })
  const input = new ort.Tensor('float32', new Float32Array(m * k).fill(0.5), [m, k])
  for (let warm = 0; warm < 3; warm++) await session.run({ a: input })
  const runs = 20
  const started = performance.now()
  for (let run = 0; run < runs; run++) await session.run({ a: input })
  const seconds = (performance.now() - started) / 1000
  await session.release()
  return (runs * 2 * m * k * n) / seconds / 1e9
}

/** Batches as the worker forms them (length-sorted), tokenised up front, run through a bare ONNX Runtime session. */
async function rawPassagesPerSecond(file: string, passages: string[], tokenizer: PreTrainedTokenizer, threads: number) {
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: threads, interOpNumThreads: 1 })
  const sorted = [...passages].sort((a, b) => a.length - b.length)
  const batches: Array<Record<string, ort.Tensor>> = []
  let paddedTokens = 0
  for (let start = 0; start < sorted.length; start += BATCH) {
    const encoded = tokenizer(sorted.slice(start, start + BATCH), { padding: true, truncation: true }) as Record<string, { data: BigInt64Array; dims: number[] }>
    paddedTokens += encoded.input_ids.dims[0] * encoded.input_ids.dims[1]
    batches.push(Object.fromEntries(['input_ids', 'attention_mask', 'token_type_ids'].map((name) => [name, new ort.Tensor('int64', encoded[name].data, encoded[name].dims)])))
  }
  await session.run(batches[0])
  const started = performance.now()
  for (const feeds of batches) await session.run(feeds)
  const seconds = (performance.now() - started) / 1000
  await session.release()
  return { perSecond: passages.length / seconds, paddedTokensPerPassage: paddedTokens / passages.length }
}

async function pipelinePassagesPerSecond(model: BgeShapeModel, passages: string[], options: Partial<EmbedderOptions> = {}) {
  const embedder = (await createEmbedder({ model: model.modelId, modelsDir: model.modelsDir, allowDownload: false, remoteHost: NO_HUB, batchSize: BATCH, ...options })) as WorkerEmbedder
  try {
    await embedder.embedPassages(passages.slice(0, BATCH))
    const started = performance.now()
    await embedder.embedPassages(passages)
    return passages.length / ((performance.now() - started) / 1000)
  } finally {
    await embedder.dispose()
  }
}

/** Query latency while a bulk passage job runs in the same embedder. */
async function queryLatencyDuringBulk(model: BgeShapeModel, passages: string[], concurrentQueries: boolean) {
  const embedder = (await createEmbedder({ model: model.modelId, modelsDir: model.modelsDir, allowDownload: false, remoteHost: NO_HUB, batchSize: BATCH, scheduling: { concurrentQueries } })) as WorkerEmbedder
  try {
    await embedder.embedQuery('warm up')
    let bulkDone = false
    const bulk = embedder.embedPassages(passages).finally(() => {
      bulkDone = true
    })
    const latencies: number[] = []
    for (let index = 0; !bulkDone && latencies.length < 40; index++) {
      const started = performance.now()
      await embedder.embedQuery(`what happened with the postgres migration ${index}`)
      latencies.push(performance.now() - started)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    await bulk
    return latencies
  } finally {
    await embedder.dispose()
  }
}

async function main(): Promise<void> {
  const temp = makeTempDir('notes-rag-real-shape-')
  const peak = trackPeakRss()
  try {
    const generatedAt = performance.now()
    const model = await ensureBgeShapeModel()
    const modelSeconds = (performance.now() - generatedAt) / 1000
    const folder = path.join(temp.dir, 'notes')
    const files = await fourYearLog(folder)
    const texts = files.map((file) => fs.readFileSync(path.join(folder, file), 'utf8'))
    const words = texts.reduce((sum, text) => sum + text.split(/\s+/).length, 0)
    const tokenizer = await AutoTokenizer.from_pretrained(model.modelDir, { local_files_only: true })
    const passages = passagesFrom(texts, tokenizer, passageCount)
    const threads = defaultEmbeddingThreads()
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
    console.log(`real-shape bench: ${BGE_SHAPE.layers} layers, hidden ${BGE_SHAPE.hidden}, vocabulary ${BGE_SHAPE.vocabulary} (model ready in ${modelSeconds.toFixed(1)} s)`)
    console.log(`machine: ${os.availableParallelism()} logical cores, ${cpu}, node ${process.version}; corpus ${files.length} notes, ${Math.round(words / files.length)} words each`)

    // Tokenising on its own, for its share of the pipeline's time.
    const tokenizeStarted = performance.now()
    for (const passage of passages) tokenizer(passage, { truncation: true })
    const tokenizeSeconds = (performance.now() - tokenizeStarted) / 1000

    const dense = await measureDenseRate(threads)
    const rows: Array<[string, string]> = [['dense fp32 matmul rate', `${dense.toFixed(0)} GFLOP/s on ${threads} threads (the limit below divides this by a passage's FLOPs)`]]
    // The int8 copy the pipeline runs on a VNNI CPU (made here the way the engine makes it, in the models folder).
    const prepared = await prepareModel(
      { modelId: model.modelId, source: model.modelId, folder: model.modelDir, installed: true, dtype: 'q8' },
      path.join(model.modelsDir, PREPARED_MODELS_FOLDER),
    )
    const shippedQ8 = path.join(model.modelDir, 'onnx', 'model_quantized.onnx')
    const q8File = prepared.signedInt8 ? path.join(prepared.source, 'onnx', 'model_quantized.onnx') : shippedQ8
    console.log(`cpu has VNNI: ${cpuHasVnni()}; q8 runs ${prepared.signedInt8 ? 'with int8 weights (prepared copy)' : 'with the shipped uint8 weights'}`)
    if (prepared.signedInt8) {
      const shipped = await rawPassagesPerSecond(shippedQ8, passages, tokenizer, threads)
      const signed = await rawPassagesPerSecond(q8File, passages, tokenizer, threads)
      rows.push(['q8 raw onnxruntime: weights', `uint8 as shipped ${shipped.perSecond.toFixed(1)} -> int8 ${signed.perSecond.toFixed(1)} passages/s (x${(signed.perSecond / shipped.perSecond).toFixed(2)})`])
    }
    for (const [dtype, file] of [['q8', q8File], ['fp32', path.join(model.modelDir, 'onnx', 'model.onnx')]] as const) {
      const raw = await rawPassagesPerSecond(file, passages, tokenizer, threads)
      // The pipeline loads the int8 file when present; for fp32 a folder holding only model.onnx is used.
      let source = model
      if (dtype === 'fp32') {
        const only = path.join(temp.dir, 'fp32-models', 'bench', 'bge-small-shape')
        fs.mkdirSync(path.join(only, 'onnx'), { recursive: true })
        for (const name of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) fs.copyFileSync(path.join(model.modelDir, name), path.join(only, name))
        fs.symlinkSync(path.join(model.modelDir, 'onnx', 'model.onnx'), path.join(only, 'onnx', 'model.onnx'))
        source = { modelsDir: path.join(temp.dir, 'fp32-models'), modelId: model.modelId, modelDir: only }
      }
      const pipelineRate = await pipelinePassagesPerSecond(source, passages, { threads })
      const limit = (dense * 1e9) / bgeShapeFlops(raw.paddedTokensPerPassage)
      rows.push([
        `${dtype}: pipeline`,
        `${pipelineRate.toFixed(1)} passages/s = ${(pipelineRate / raw.perSecond).toFixed(2)} of raw onnxruntime (${raw.perSecond.toFixed(1)} passages/s; goal >= 0.9)`,
      ])
      rows.push([`${dtype}: FLOP limit`, `${limit.toFixed(1)} passages/s at ${raw.paddedTokensPerPassage.toFixed(0)} padded tokens a passage (${(bgeShapeFlops(raw.paddedTokensPerPassage) / 1e9).toFixed(1)} GFLOP each)`])
      if (dtype === 'q8') rows.push(['q8: tokenising share', `${((tokenizeSeconds / (passages.length / pipelineRate)) * 100).toFixed(1)}% of the pipeline's time`])
    }

    // Each speed-up off and on, in this run.
    if (prepared.signedInt8) {
      const shippedRate = await pipelinePassagesPerSecond(model, passages, { threads, signedInt8Weights: false })
      const signedRate = await pipelinePassagesPerSecond(model, passages, { threads })
      rows.push(['int8 weights for VNNI (q8 pipeline)', `off ${shippedRate.toFixed(1)} -> on ${signedRate.toFixed(1)} passages/s (x${(signedRate / shippedRate).toFixed(2)})`])
    }
    const unsortedRate = await pipelinePassagesPerSecond(model, passages, { threads, scheduling: { sortByLength: false } })
    const sortedRate = await pipelinePassagesPerSecond(model, passages, { threads })
    rows.push(['batch by length (q8)', `off ${unsortedRate.toFixed(1)} -> on ${sortedRate.toFixed(1)} passages/s (x${(sortedRate / unsortedRate).toFixed(2)})`])
    const oneThread = await pipelinePassagesPerSecond(model, passages, { threads: 1 })
    rows.push([`threads (q8)`, `1: ${oneThread.toFixed(1)} -> ${threads} (default): ${sortedRate.toFixed(1)} passages/s (x${(sortedRate / oneThread).toFixed(2)})`])
    const queued = await queryLatencyDuringBulk(model, passages, false)
    const concurrent = await queryLatencyDuringBulk(model, passages, true)
    rows.push([
      'query embed during bulk',
      `between batches p50 ${percentile(queued, 0.5).toFixed(0)} / p95 ${percentile(queued, 0.95).toFixed(0)} ms -> beside the batch p50 ${percentile(concurrent, 0.5).toFixed(0)} / p95 ${percentile(concurrent, 0.95).toFixed(0)} ms`,
    ])
    const cached = await cachedQueryLatency(model)
    rows.push(['repeated query', `embedded ${cached.miss.toFixed(1)} ms -> from the cache ${cached.hit.toFixed(3)} ms`])
    printTable(`Real-shape embedding (${passages.length} passages of up to ${CHUNK_TOKENS} tokens, batch ${BATCH})`, rows)

    if (!values['skip-index']) {
      if (values.before) await fullIndex(model, folder, files.length, temp.dir, threads, true)
      await fullIndex(model, folder, files.length, temp.dir, threads, false)
    }
    console.log(`\npeak RSS ${(peak.peakBytes() / 1024 / 1024).toFixed(0)} MB (this process; the embedder's worker threads run inside it)`)
  } finally {
    peak.stop()
    temp.cleanup()
  }
}

async function cachedQueryLatency(model: BgeShapeModel): Promise<{ miss: number; hit: number }> {
  const embedder = await createEmbedder({ model: model.modelId, modelsDir: model.modelsDir, allowDownload: false, remoteHost: NO_HUB })
  try {
    await embedder.embedQuery('warm up')
    let started = performance.now()
    await embedder.embedQuery('who helped with the postgres migration')
    const miss = performance.now() - started
    started = performance.now()
    for (let index = 0; index < 100; index++) await embedder.embedQuery('who helped with the postgres migration')
    return { miss, hit: (performance.now() - started) / 100 }
  } finally {
    await embedder.dispose()
  }
}

/**
 * The first index of the whole log, searchable by meaning at the end; searches every 250 ms while it runs. `before`
 * runs it the way the engine did before the int8 weights and the query worker (an embedder built with both off and
 * handed to the engine); otherwise the engine loads the model from its settings as the app does.
 */
async function fullIndex(model: BgeShapeModel, folder: string, fileCount: number, tempDir: string, threads: number, before: boolean): Promise<void> {
  const dataDir = path.join(tempDir, before ? 'data-before' : 'data')
  const overrides = { folder, embedding: { model: model.modelId, modelsDir: model.modelsDir, allowDownload: false, threads }, routing: { policy: 'local-only' as const } }
  const peak = trackPeakRss()
  const started = performance.now()
  const embedder = before
    ? await createEmbedder({ model: model.modelId, modelsDir: model.modelsDir, allowDownload: false, remoteHost: NO_HUB, threads, signedInt8Weights: false, scheduling: { concurrentQueries: false } })
    : undefined
  const engine = await Engine.open({ dataDir, overrides, ...(embedder ? { embedder } : {}) })
  try {
    let done = false
    const pass = engine.call('reindex', []).finally(() => {
      done = true
    })
    const latencies: number[] = []
    const queries = ['postgres migration', 'who reviewed the kubernetes rollout', 'dentist', 'release planning with the team', 'budget review']
    while (!done) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      if (done) break
      const searchStarted = performance.now()
      await engine.call('search', [`${queries[latencies.length % queries.length]} ${latencies.length}`, { limit: 10 }])
      latencies.push(performance.now() - searchStarted)
    }
    const result = await pass
    const seconds = (performance.now() - started) / 1000
    const status = await engine.call('getStatus', [])
    const chunksPerFile = status.chunks / fileCount
    printTable(`First index of a four-year log with the real-shape model (through the engine)${before ? ': as before (uint8 weights, queries wait in the bulk worker)' : ''}`, [
      ['notes', `${fileCount}, ${status.chunks} chunks, ${result.chunksEmbedded} embedded`],
      ['fully searchable by meaning', `${seconds.toFixed(0)} s from open (goal < 300 s) = ${(result.chunksEmbedded / seconds).toFixed(1)} chunks/s`],
      ['search while indexing', `p50 ${percentile(latencies, 0.5).toFixed(0)} ms, p95 ${percentile(latencies, 0.95).toFixed(0)} ms over ${latencies.length} searches (goal p95 < 150 ms)`],
      ['10,000 files (projected)', `${Math.round((10_000 * chunksPerFile) / (result.chunksEmbedded / seconds) / 60)} min at this rate and ${chunksPerFile.toFixed(1)} chunks a note (not run: hours of CPU)`],
      ['peak RSS during the index', `${(peak.peakBytes() / 1024 / 1024).toFixed(0)} MB`],
    ])
  } finally {
    peak.stop()
    await engine.dispose()
    await embedder?.dispose()
  }
}

await main()
