/**
 * What a local answer costs with a model of Phi-3.5-mini's real shape (phi3: 32 layers, hidden 3072, 32 heads of 96,
 * intermediate 8192, vocabulary 32,064, 4k context) and random weights in the Q4_K_M layout, through the product's
 * LocalChatBackend: load time, peak memory against the memory-fit estimate, prompt processing and generation
 * tokens/s with threads 1, 2 and auto (0: the product's choice, cores - 1), then 1k and 4k prompts once with the fastest of them.
 *
 *   npm run bench -- --phi                    # or PHI_SHAPE=1 npm run bench; BENCH_ONLY=phi-shape for this alone
 *   npx tsx test/bench/phi-shape-bench.ts --threads 1,2,0 --prompt-tokens 128 --long 1024,4000 --long-threads best
 *
 * The model (2.4 GB, `--quantization q8_0`: 4.1 GB) is written to `$PHI_SHAPE_DIR` or `<tmp>/notes-rag-phi-shape/`
 * and deleted afterwards unless `--keep-model`. Prints figures only, each with the load average beside it: on a
 * shared machine they are upper bounds. On an idle 2-core CPU the defaults take about 40 minutes (the 4k prompt alone
 * over 20); `--long 1024` or `--long ''` for less. `--threads 4` shows node-llama-cpp's own default on 2 cores.
 */
import { mkdir, rm, statfs } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { checkGgufFile } from '../../electron/engine/llm/local/gguf-file-check'
import { getSharedLlama, releaseSharedLlama } from '../../electron/engine/llm/local/llama-instance'
import { LocalChatBackend } from '../../electron/engine/llm/local/local-chat-backend'
import { estimateModelMemoryBytes } from '../../electron/engine/llm/local/memory-estimate'
import type { ChatMessage } from '../../electron/engine/llm/types'
import { encodeGgufHeader } from '../support/gguf-writer'
import { ensurePhiShapeChatModel, PHI_35_MINI_SHAPE, phiShapeModel, phiShapeModelPath, type PhiQuantization } from '../support/phi-shape-chat-model'
import { kernelPeakRss, trackPeakRss } from './bench-utils'

const { values } = parseArgs({
  options: {
    quantization: { type: 'string', default: 'q4_k_m' },
    threads: { type: 'string', default: '1,2,0' },
    'prompt-tokens': { type: 'string', default: '128' },
    'max-tokens': { type: 'string', default: '16' },
    long: { type: 'string', default: '1024,4000' },
    'long-threads': { type: 'string', default: 'best' },
    context: { type: 'string', default: '4096' },
    'keep-model': { type: 'boolean', default: false },
  },
})

const quantization = values.quantization as PhiQuantization
if (quantization !== 'q4_k_m' && quantization !== 'q8_0') throw new Error('--quantization is q4_k_m or q8_0')
const threadCounts = values.threads!.split(',').map(Number)
const promptTokens = Number(values['prompt-tokens'])
const maxTokens = Number(values['max-tokens'])
const longPrompts = values.long ? values.long.split(',').filter(Boolean).map(Number) : []
const contextSize = Number(values.context)
const GIB = 1024 ** 3

const load = () => os.loadavg()[0].toFixed(1)
const gib = (bytes: number | null) => (bytes === null ? 'n/a' : `${(bytes / GIB).toFixed(2)} GiB`)
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

// --- the model file, written on demand ---------------------------------------------------------------------------
const modelPath = phiShapeModelPath(quantization)
const { metadata, tensors } = phiShapeModel(PHI_35_MINI_SHAPE, quantization)
const encoded = encodeGgufHeader(metadata, tensors)
const fileBytes = encoded.header.length + encoded.dataBytes
const directory = path.dirname(modelPath)
await mkdir(directory, { recursive: true })
const disk = await statfs(directory)
const freeDisk = disk.bavail * disk.bsize
console.log(
  `phi-3.5-mini shape (phi3, ${PHI_35_MINI_SHAPE.blockCount} layers, hidden ${PHI_35_MINI_SHAPE.embeddingLength}, ` +
    `${PHI_35_MINI_SHAPE.headCount} heads of 96, ff ${PHI_35_MINI_SHAPE.feedForwardLength}, vocabulary ${PHI_35_MINI_SHAPE.vocabularySize}), ` +
    `${quantization}, ${(fileBytes / 1e9).toFixed(2)} GB at ${modelPath}; cpus ${os.cpus().length}, memory ${gib(os.totalmem())}, ` +
    `free disk ${(freeDisk / 1e9).toFixed(1)} GB`,
)
const cached = await checkGgufFile(modelPath)
if (!cached.ok && freeDisk < fileBytes + 512 * 1024 * 1024) {
  throw new Error(`Not enough disk in ${directory} for the ${(fileBytes / 1e9).toFixed(1)} GB model (${(freeDisk / 1e9).toFixed(1)} GB free); set PHI_SHAPE_DIR.`)
}
const writeStarted = performance.now()
const writeLoad = load()
await ensurePhiShapeChatModel({ quantization })
const summaryCheck = await checkGgufFile(modelPath)
if (!summaryCheck.ok) throw new Error(`the generated model is not a complete GGUF: ${summaryCheck.detail}`)
const summary = summaryCheck.summary
console.log(cached.ok ? 'model: cached from an earlier run' : `model written in ${seconds(performance.now() - writeStarted)} (load average ${writeLoad})`)

// --- prompts of a given token length -----------------------------------------------------------------------------
const noteLines = [
  '2023-W14: planned the garden beds, fixed the bike brakes, read two chapters of the systems book.',
  '2023-W15: started the notes app prototype, went running three times, dinner with Sam on Friday.',
  '2023-W16: wrote the indexer, migrated the old logs, visited the dentist, called the landlord about the heating.',
  '2023-W17: reviewed the quarterly plan with Priya, booked the train to Lisbon, finished the chapter on queues.',
]
async function messagesOf(backend: LocalChatBackend, tokens: number): Promise<{ messages: ChatMessage[]; tokens: number }> {
  const lines: string[] = []
  const build = (): ChatMessage[] => [
    { role: 'system', content: `Answer from these notes only.\n${lines.join('\n')}` },
    { role: 'user', content: 'What did I do in week 15?' },
  ]
  let count = await backend.countMessageTokens(build())
  while (count < tokens) {
    lines.push(noteLines[lines.length % noteLines.length])
    count = await backend.countMessageTokens(build())
  }
  if (count > tokens && lines.length > 0) {
    lines.pop()
    count = await backend.countMessageTokens(build())
  }
  return { messages: build(), tokens: count }
}

interface Answer {
  promptTokens: number
  promptMs: number
  promptPerSecond: number
  outputTokens: number
  generationPerSecond: number
  /** CPU seconds the process spent (every thread); tokens per CPU second is near what an idle core would do. */
  promptCpuSeconds: number
  generationCpuSeconds: number
  loadAverage: string
}

async function answer(backend: LocalChatBackend, messages: ChatMessage[]): Promise<Answer> {
  const loadAverage = load()
  const started = performance.now()
  const cpuStarted = process.cpuUsage()
  let cpuAtFirstToken: NodeJS.CpuUsage | null = null
  const result = await backend.complete({
    messages,
    maxTokens,
    temperature: 0,
    onDelta: () => {
      cpuAtFirstToken ??= process.cpuUsage()
    },
  })
  const totalMs = performance.now() - started
  const cpuEnded = process.cpuUsage()
  const cpuSeconds = (from: NodeJS.CpuUsage, to: NodeJS.CpuUsage) => (to.user - from.user + to.system - from.system) / 1e6
  const firstTokenCpu = cpuAtFirstToken ?? cpuEnded
  const promptMs = result.timeToFirstTokenMs ?? totalMs
  const outputTokens = result.tokensOut ?? 0
  const inputTokens = result.tokensIn ?? 0
  return {
    promptTokens: inputTokens,
    promptMs,
    promptPerSecond: inputTokens / (promptMs / 1000),
    outputTokens,
    // The first token is part of the prompt's evaluation; the rest is generation.
    generationPerSecond: Math.max(outputTokens - 1, 0) / (Math.max(totalMs - promptMs, 1e-3) / 1000),
    promptCpuSeconds: cpuSeconds(cpuStarted, firstTokenCpu),
    generationCpuSeconds: cpuSeconds(firstTokenCpu, cpuEnded),
    loadAverage,
  }
}

const describeAnswer = (result: Answer) =>
  `prompt ${result.promptTokens} tokens in ${seconds(result.promptMs)} = ${result.promptPerSecond.toFixed(1)} tokens/s, ` +
  `generation ${result.generationPerSecond.toFixed(2)} tokens/s over ${result.outputTokens} tokens (load average ${result.loadAverage}); ` +
  `CPU ${result.promptCpuSeconds.toFixed(1)} s for the prompt = ${(result.promptTokens / result.promptCpuSeconds).toFixed(1)} tokens per CPU-second, ` +
  `${result.generationCpuSeconds.toFixed(1)} s for generation = ${(Math.max(result.outputTokens - 1, 0) / result.generationCpuSeconds).toFixed(2)} tokens per CPU-second`

// --- measurements ------------------------------------------------------------------------------------------------
const llama = await getSharedLlama(false)
console.log(`llama.cpp: cpuMathCores ${llama.cpuMathCores}; node-llama-cpp's own default would be ${llama.maxThreads} threads, the product's auto (0) is cores - 1`)
const estimate = estimateModelMemoryBytes(summary, Math.min(contextSize, summary.contextLength ?? contextSize))
const kernelPeak = kernelPeakRss()
const baseRss = process.memoryUsage().rss
console.log(`process RSS before loading: ${gib(baseRss)}; memory-fit estimate at ${contextSize} tokens: ${gib(estimate)}`)

interface Row {
  label: string
  threads: number
  loadMs: number
  loadAverage: string
  rssAfterLoad: number
  firstAnswerMs: number
  short: Answer
  peakRss: number | null
}
const rows: Row[] = []

async function measure(threads: number, long: number[], label: string): Promise<void> {
  kernelPeak.reset()
  const sampled = trackPeakRss()
  const loadAverage = load()
  const loadStarted = performance.now()
  const backend = await LocalChatBackend.load({ modelPath, threads, contextSize, gpu: false })
  const loadMs = performance.now() - loadStarted
  const rssAfterLoad = process.memoryUsage().rss
  try {
    // The first answer faults the mapped weights in and warms the thread pool; it is timed apart.
    const warmStarted = performance.now()
    await backend.complete({ messages: [{ role: 'user', content: 'Hello' }], maxTokens: 2, temperature: 0 })
    const firstAnswerMs = performance.now() - warmStarted
    const { messages } = await messagesOf(backend, promptTokens)
    const short = await answer(backend, messages)
    if (threads === 0) label = label.replace('auto', `auto=${backend.threads}`)
    const row: Row = { label, threads, loadMs, loadAverage, rssAfterLoad, firstAnswerMs, short, peakRss: null }
    console.log(
      `threads ${label}: load ${seconds(loadMs)} (load average ${loadAverage}), first answer ${seconds(firstAnswerMs)}, ` +
        `RSS after load ${gib(rssAfterLoad)}; ${describeAnswer(short)}`,
    )
    for (const tokens of long) {
      const built = await messagesOf(backend, Math.min(tokens, backend.contextTokens - maxTokens - 8))
      const result = await answer(backend, built.messages)
      console.log(`  long prompt (threads ${label}): ${describeAnswer(result)}`)
    }
    row.peakRss = kernelPeak.peakBytes() ?? sampled.peakBytes()
    console.log(`  peak RSS ${gib(row.peakRss)} (estimate ${gib(estimate)}, ratio estimate/measured ${(estimate / (row.peakRss - baseRss)).toFixed(2)} over this process's own ${gib(baseRss)})`)
    rows.push(row)
  } finally {
    sampled.stop()
    await backend.dispose()
  }
}

try {
  const name = (threads: number) => (threads === 0 ? 'auto' : String(threads))
  // An explicit --long-threads that is also in --threads runs the long prompts in that load, saving a reload.
  const explicitLong = values['long-threads'] === 'best' ? null : Number(values['long-threads'])
  let longDone = longPrompts.length === 0
  for (const threads of threadCounts) {
    const withLong = !longDone && explicitLong === threads
    await measure(threads, withLong ? longPrompts : [], name(threads))
    longDone ||= withLong
  }
  if (!longDone) {
    // `best`: the thread count whose short prompt ran fastest in this run (the 4k prompt is too slow to try each).
    const best = rows.reduce((fastest, row) => (row.short.promptPerSecond > fastest.short.promptPerSecond ? row : fastest))
    const longThreads = explicitLong ?? best.threads
    await measure(longThreads, longPrompts, `${name(longThreads)} (long)`)
  }
  console.log('\nthreads | load s | first answer s | prompt tokens/s | per CPU-s | generation tokens/s | per CPU-s | peak RSS | load average')
  for (const row of rows) {
    console.log(
      `${row.label.padStart(7)} | ${(row.loadMs / 1000).toFixed(1).padStart(6)} | ` +
        `${(row.firstAnswerMs / 1000).toFixed(1).padStart(14)} | ${row.short.promptPerSecond.toFixed(1).padStart(15)} | ` +
        `${(row.short.promptTokens / row.short.promptCpuSeconds).toFixed(1).padStart(9)} | ` +
        `${row.short.generationPerSecond.toFixed(2).padStart(19)} | ` +
        `${(Math.max(row.short.outputTokens - 1, 0) / row.short.generationCpuSeconds).toFixed(2).padStart(9)} | ` +
        `${gib(row.peakRss).padStart(8)} | ${row.short.loadAverage}`,
    )
  }
} finally {
  await releaseSharedLlama()
  if (!values['keep-model']) {
    await rm(modelPath, { force: true })
    console.log(`model deleted (--keep-model keeps it at ${modelPath})`)
  }
}
