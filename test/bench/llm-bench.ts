/**
 * Local model benchmark: load time, time to first token and generation speed per thread count.
 *
 *   npx tsx test/bench/llm-bench.ts                      # the tiny generated test model, threads 1 and 2
 *   npx tsx test/bench/llm-bench.ts --model ~/models/Phi-3.5-mini-instruct-Q4_K_M.gguf --context 4096 --max-tokens 128
 *
 * Options: --model <path.gguf>  --threads 1,2  --context <tokens>  --max-tokens <n>  --runs <n>
 * Prints figures only; it never fails on a slow result.
 */
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { LocalChatBackend } from '../../electron/engine/llm/local/local-chat-backend'
import { getSharedLlama, releaseSharedLlama } from '../../electron/engine/llm/local/llama-instance'
import type { ChatMessage } from '../../electron/engine/llm/types'
import { ensureTinyChatModel } from '../support/tiny-chat-model'

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    threads: { type: 'string', default: '1,2' },
    context: { type: 'string' },
    'max-tokens': { type: 'string' },
    runs: { type: 'string', default: '5' },
  },
})

const tinyModel = values.model === undefined
const modelPath = tinyModel ? await ensureTinyChatModel() : path.resolve(values.model!)
const contextSize = Number(values.context ?? (tinyModel ? 512 : 4096))
const maxTokens = Number(values['max-tokens'] ?? (tinyModel ? 64 : 128))
const runs = Number(values.runs)
const threadCounts = values.threads!.split(',').map(Number)

const notes = [
  '2023-W14: planned the garden beds, fixed the bike brakes, read two chapters of the systems book.',
  '2023-W15: started the notes app prototype, went running three times, dinner with Sam on Friday.',
  '2023-W16: wrote the indexer, migrated the old logs, visited the dentist.',
].join('\n')
const messages: ChatMessage[] = [
  { role: 'system', content: `Answer from these notes only.\n${notes}` },
  { role: 'user', content: 'What did I do in week 15?' },
]

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

console.log(`model ${path.basename(modelPath)}  context ${contextSize}  max tokens ${maxTokens}  runs ${runs}  cpus ${os.cpus().length}  load average ${os.loadavg()[0].toFixed(1)}`)
// The native binding starts once per process; timed apart so "load ms" below is the model alone.
const bindingStarted = performance.now()
await getSharedLlama(false)
console.log(`llama.cpp binding start: ${(performance.now() - bindingStarted).toFixed(0)} ms`)
console.log('threads | load ms | prompt tokens | ttft ms (median) | tokens/s (median) | output tokens')
for (const threads of threadCounts) {
  const loadStarted = performance.now()
  const backend = await LocalChatBackend.load({ modelPath, threads, contextSize, gpu: false })
  const loadMs = performance.now() - loadStarted
  try {
    // The first completion warms caches and thread pools; it is not counted.
    await backend.complete({ messages, maxTokens: 8, temperature: 0 })
    const firstTokenTimes: number[] = []
    const speeds: number[] = []
    let promptTokens = 0
    let outputTokens = 0
    for (let run = 0; run < runs; run++) {
      const started = performance.now()
      const result = await backend.complete({ messages, maxTokens, temperature: 0 })
      const totalMs = performance.now() - started
      const ttft = result.timeToFirstTokenMs ?? totalMs
      firstTokenTimes.push(ttft)
      promptTokens = result.tokensIn ?? 0
      outputTokens = result.tokensOut ?? 0
      // Generation speed excludes the prompt evaluation that precedes the first token.
      const generationMs = Math.max(totalMs - ttft, 1e-3)
      speeds.push(Math.max(outputTokens - 1, 0) / (generationMs / 1000))
    }
    console.log(
      `${String(threads).padStart(7)} | ${loadMs.toFixed(0).padStart(7)} | ${String(promptTokens).padStart(13)} | ` +
        `${median(firstTokenTimes).toFixed(1).padStart(16)} | ${median(speeds).toFixed(1).padStart(17)} | ${outputTokens}`,
    )
  } finally {
    await backend.dispose()
  }
}
await releaseSharedLlama()
