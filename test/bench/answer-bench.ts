/**
 * Prompt-assembly and gateway-streaming figures for the answer pipeline. Run: npx tsx test/bench/answer-bench.ts
 * Prints numbers only; nothing here asserts a speed.
 */
import { directMessages, type Passage } from '../../electron/engine/llm/answer/grounded-prompt'
import { packPassages, promptCounter } from '../../electron/engine/llm/answer/pack-passages'
import { rewriteFollowUp } from '../../electron/engine/llm/answer/follow-up-rewrite'
import { estimateTokens } from '../../electron/engine/llm/gateway/gateway-chat-backend'
import { GatewayClient } from '../../electron/engine/llm/gateway/gateway-client'
import { LocalChatBackend } from '../../electron/engine/llm/local/local-chat-backend'
import { defaultSettings } from '../../shared/settings'
import { startFakeGateway } from '../support/fake-gateway'
import { ensureTinyChatModel } from '../support/tiny-chat-model'
import { weeklyHits } from '../integration/engine/llm/answer/notes-fixture'

function passages(count: number, characters: number): Passage[] {
  return weeklyHits(count, characters).map((hit, index) => ({ n: index + 1, hit, text: hit.text, truncated: false }))
}

async function time<T>(label: string, runs: number, work: () => Promise<T>): Promise<T> {
  let result: T = await work()
  const started = performance.now()
  for (let run = 0; run < runs; run += 1) result = await work()
  const each = (performance.now() - started) / runs
  console.log(`${label.padEnd(58)} ${each.toFixed(2).padStart(9)} ms/op`)
  return result
}

const estimateCount = async (text: string) => estimateTokens(text)

console.log('# prompt assembly (packPassages + directMessages)')
for (const [count, contextTokens] of [
  [12, 4096],
  [50, 4096],
  [50, 32768],
  [200, 32768],
] as const) {
  const candidates = passages(count, 600)
  const packed = await time(`estimate tokenizer, ${count} passages, context ${contextTokens}`, 20, () =>
    packPassages({ countTokens: estimateCount, contextTokens, answerTokens: 512, passages: candidates, build: (list) => directMessages('2023-06-01', 'What did I do?', list) }),
  )
  console.log(`  -> ${packed.passages.length} passages, ${packed.truncated} truncated, ${packed.promptTokens} prompt tokens`)
}

const local = await LocalChatBackend.load({ modelPath: await ensureTinyChatModel(), threads: 1, contextSize: 512, gpu: false })
for (const count of [12, 50]) {
  const candidates = passages(count, 600)
  const packed = await time(`tiny GGUF tokenizer + exact template check (512 ctx), ${count} passages`, 10, () =>
    packPassages({
      countTokens: (text) => local.countTokens(text),
      countPrompt: promptCounter(local),
      contextTokens: local.contextTokens,
      answerTokens: 48,
      passages: candidates,
      build: (list) => directMessages('2023-06-01', 'What did I do?', list),
    }),
  )
  console.log(`  -> ${packed.passages.length} passages, ${packed.truncated} truncated, ${packed.promptTokens} prompt tokens`)
}
await local.dispose()

console.log('# follow-up rewriting')
const history = [
  { role: 'user' as const, content: 'Who reviewed the kubernetes upgrade in March 2023?' },
  { role: 'assistant' as const, content: 'Alice [1].' },
  { role: 'user' as const, content: 'why?' },
  { role: 'assistant' as const, content: 'Because [2].' },
]
await time('rewriteFollowUp, 2 earlier turns', 2000, async () => rewriteFollowUp('who else was there then?', history))

console.log('# gateway streaming over 127.0.0.1 (fake gateway, real SDK)')
const fake = await startFakeGateway({ reply: () => 'word '.repeat(400), chunkCharacters: 10 })
const client = new GatewayClient({ settings: { ...defaultSettings().gateway, baseUrl: fake.url }, token: 'test-token' })
const backend = client.backend('small')
const firstTokens: number[] = []
await time('complete(), 2000 characters in 200 SSE chunks', 20, async () => {
  const result = await backend.complete({ messages: [{ role: 'user', content: 'hello' }], maxTokens: 600, temperature: 0 })
  firstTokens.push(result.timeToFirstTokenMs ?? Number.NaN)
  return result
})
firstTokens.sort((a, b) => a - b)
console.log(`  -> time to first token, median ${firstTokens[Math.floor(firstTokens.length / 2)].toFixed(2)} ms`)
await time('probe() GET /v1/models', 50, () => client.probe())
client.dispose()
await fake.close()
