import { copyFile, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BrainError } from '../../../../../shared/errors'
import { LocalChatBackend, toSessionInput } from '../../../../../electron/engine/llm/local/local-chat-backend'
import type { ChatMessage } from '../../../../../electron/engine/llm/types'
import { ensureTinyChatModel, TINY_CHAT_MODEL } from '../../../../support/tiny-chat-model'

let modelPath: string
let backend: LocalChatBackend
let temporaryDirectory: string

const question: ChatMessage[] = [
  { role: 'system', content: 'You answer from the notes.' },
  { role: 'user', content: 'What did I do in week 14?' },
]

beforeAll(async () => {
  modelPath = await ensureTinyChatModel()
  temporaryDirectory = await mkdtemp(path.join(os.tmpdir(), 'local-chat-backend-'))
  backend = await LocalChatBackend.load({ modelPath, threads: 1, contextSize: 4096, gpu: false })
})

afterAll(async () => {
  await backend?.dispose()
  await rm(temporaryDirectory, { recursive: true, force: true })
})

async function expectBrainError(promise: Promise<unknown>, code: BrainError['code']): Promise<BrainError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(BrainError)
  expect((error as BrainError).code).toBe(code)
  return error as BrainError
}

describe('LocalChatBackend on the tiny GGUF', () => {
  it('reports the model name and caps the context at the training context', async () => {
    expect(backend.kind).toBe('local')
    expect(backend.model).toBe(path.basename(modelPath))
    expect(backend.contextTokens).toBe(TINY_CHAT_MODEL.contextLength)

    const small = await LocalChatBackend.load({ modelPath, threads: 1, contextSize: 256, gpu: false })
    try {
      expect(small.contextTokens).toBe(256)
    } finally {
      await small.dispose()
    }
  })

  it('counts tokens with the model tokenizer', async () => {
    // The vocabulary has "▁"+letter pieces and single characters: "▁h e l l o ▁w o r l d".
    expect(await backend.countTokens('hello world')).toBe(10)
    expect(await backend.countTokens('')).toBe(0)
    const short = await backend.countTokens('week 14')
    const long = await backend.countTokens('week 14 and week 15 and a long list of things I did')
    expect(long).toBeGreaterThan(short)
  })

  it('streams deltas that concatenate to the final text and measures tokens', async () => {
    const deltas: string[] = []
    const result = await backend.complete({ messages: question, maxTokens: 24, temperature: 0, onDelta: (text) => deltas.push(text) })
    expect(result.aborted).toBe(false)
    expect(result.text.length).toBeGreaterThan(0)
    expect(deltas.length).toBeGreaterThan(1)
    expect(deltas.join('')).toBe(result.text)
    expect(result.tokensOut).toBeGreaterThan(0)
    expect(result.tokensOut).toBeLessThanOrEqual(24)
    // The prompt carries the system text, the question and the chat template's markers.
    const bareTokens = (await backend.countTokens(question[0].content)) + (await backend.countTokens(question[1].content))
    expect(result.tokensIn).toBeGreaterThan(bareTokens)
    expect(result.timeToFirstTokenMs).not.toBeNull()
    expect(result.timeToFirstTokenMs).toBeGreaterThanOrEqual(0)
    expect(result.cost).toBeNull()

    const again = await backend.complete({ messages: question, maxTokens: 24, temperature: 0 })
    expect(again.text).toBe(result.text)
  })

  it('feeds earlier turns into the prompt', async () => {
    const withoutHistory = await backend.complete({ messages: question, maxTokens: 4, temperature: 0 })
    const earlierAnswer = 'You planned the garden and fixed the bike.'
    const withHistory = await backend.complete({
      messages: [question[0], { role: 'user', content: 'What about week 13?' }, { role: 'assistant', content: earlierAnswer }, question[1]],
      maxTokens: 4,
      temperature: 0,
    })
    const added = (await backend.countTokens('What about week 13?')) + (await backend.countTokens(earlierAnswer))
    expect(withHistory.tokensIn! - withoutHistory.tokensIn!).toBeGreaterThanOrEqual(added)
  })

  it('counts a conversation as the chat template lays it out', async () => {
    const counted = await backend.countMessageTokens(question)
    const bare = (await backend.countTokens(question[0].content)) + (await backend.countTokens(question[1].content))
    expect(counted).toBeGreaterThan(bare)
    const result = await backend.complete({ messages: question, maxTokens: 2, temperature: 0 })
    // The meter leaves out the last prompt token, which llama.cpp evaluates together with the first generated one.
    expect(Math.abs(counted - result.tokensIn!)).toBeLessThanOrEqual(1)
  })

  it('refuses a prompt larger than the context window instead of silently dropping it', async () => {
    const messages: ChatMessage[] = [{ role: 'system', content: 'notes '.repeat(120) }, question[1]]
    const counted = await backend.countMessageTokens(messages)
    expect(counted).toBeGreaterThan(backend.contextTokens)
    const error = await expectBrainError(backend.complete({ messages, maxTokens: 10, temperature: 0 }), 'invalid-input')
    expect(error.details).toEqual({ promptTokens: counted, contextTokens: backend.contextTokens })
  })

  it('shortens the answer to what is left of the window when the prompt nearly fills it', async () => {
    const base = await backend.countMessageTokens([{ role: 'system', content: 'x' }, question[1]])
    // "notes " is five tokens ("▁n o t e s"): start near the edge and back off until a few tokens are free.
    let words = Math.floor((backend.contextTokens - base) / 5)
    let messages: ChatMessage[]
    let counted: number
    do {
      messages = [{ role: 'system', content: 'notes '.repeat(words--).trim() }, question[1]]
      counted = await backend.countMessageTokens(messages)
    } while (counted >= backend.contextTokens - 2)
    const left = backend.contextTokens - counted
    expect(left).toBeGreaterThan(0)
    expect(left).toBeLessThan(20)
    const result = await backend.complete({ messages, maxTokens: 100, temperature: 0 })
    expect(result.aborted).toBe(false)
    expect(result.tokensOut).toBeGreaterThan(0)
    expect(result.tokensOut).toBeLessThanOrEqual(left)
  })

  it('returns the partial text with aborted: true when stopped mid-generation', async () => {
    const controller = new AbortController()
    const deltas: string[] = []
    const result = await backend.complete({
      messages: question,
      maxTokens: 400,
      temperature: 0,
      signal: controller.signal,
      onDelta: (text) => {
        deltas.push(text)
        if (deltas.length === 5) controller.abort()
      },
    })
    expect(result.aborted).toBe(true)
    expect(result.text.length).toBeGreaterThan(0)
    expect(result.text.startsWith(deltas.slice(0, 5).join(''))).toBe(true)
    expect(result.tokensOut).toBeLessThan(400)
  })

  it('returns at once with nothing when the signal has already fired', async () => {
    const controller = new AbortController()
    controller.abort()
    const result = await backend.complete({ messages: question, maxTokens: 50, temperature: 0, signal: controller.signal })
    expect(result).toMatchObject({ text: '', aborted: true })
  })

  it('runs parallel calls one after another on its single sequence', async () => {
    const [first, second] = await Promise.all([
      backend.complete({ messages: question, maxTokens: 8, temperature: 0 }),
      backend.complete({ messages: question, maxTokens: 8, temperature: 0 }),
    ])
    expect(first.text).toBe(second.text)
    expect(first.aborted || second.aborted).toBe(false)
  })

  it('stops a call that is still waiting for the sequence', async () => {
    const controller = new AbortController()
    let secondDeltas = 0
    const first = backend.complete({
      messages: question,
      maxTokens: 60,
      temperature: 0,
      onDelta: () => {
        if (!controller.signal.aborted) controller.abort()
      },
    })
    const second = backend.complete({ messages: question, maxTokens: 60, temperature: 0, signal: controller.signal, onDelta: () => secondDeltas++ })
    const [firstResult, secondResult] = await Promise.all([first, second])
    expect(firstResult.aborted).toBe(false)
    expect(secondResult).toMatchObject({ text: '', aborted: true })
    expect(secondDeltas).toBe(0)
  })

  it('stops a running answer when disposed, keeping its partial text', async () => {
    const own = await LocalChatBackend.load({ modelPath, threads: 1, contextSize: 512, gpu: false })
    let disposing: Promise<void> | null = null
    const result = await own.complete({
      messages: question,
      maxTokens: 400,
      temperature: 0,
      onDelta: () => {
        disposing ??= own.dispose()
      },
    })
    await disposing
    expect(result.aborted).toBe(true)
    expect(result.text.length).toBeGreaterThan(0)
    expect(result.tokensOut).toBeLessThan(400)
    expect(own.isLoaded).toBe(false)
  })

  it('unloads after the idle time and reloads on the next call', async () => {
    const idle = await LocalChatBackend.load({ modelPath, threads: 1, contextSize: 256, gpu: false, idleUnloadSeconds: 0.2 })
    try {
      const before = await idle.complete({ messages: question, maxTokens: 6, temperature: 0 })
      expect(idle.isLoaded).toBe(true)
      await new Promise((resolve) => setTimeout(resolve, 600))
      expect(idle.isLoaded).toBe(false)
      expect(idle.loads).toBe(1)

      const after = await idle.complete({ messages: question, maxTokens: 6, temperature: 0 })
      expect(idle.loads).toBe(2)
      expect(after.text).toBe(before.text)
      expect(await idle.countTokens('hello world')).toBe(10)
    } finally {
      await idle.dispose()
    }
    expect(idle.isLoaded).toBe(false)
    await expectBrainError(idle.complete({ messages: question, maxTokens: 4, temperature: 0 }), 'engine-unavailable')
  })
})

describe('LocalChatBackend.load checks the file first', () => {
  it('reports a missing file as model-missing', async () => {
    const missing = path.join(temporaryDirectory, 'nope.gguf')
    const error = await expectBrainError(LocalChatBackend.load({ modelPath: missing, threads: 1, contextSize: 256, gpu: false }), 'model-missing')
    expect(error.message).toContain('nope.gguf')
  })

  it('reports a truncated copy as model-corrupt with the sizes', async () => {
    const truncated = path.join(temporaryDirectory, 'truncated.gguf')
    await copyFile(modelPath, truncated)
    const fullSize = (await stat(modelPath)).size
    const keptSize = fullSize - 4096
    await truncate(truncated, keptSize)
    const error = await expectBrainError(LocalChatBackend.load({ modelPath: truncated, threads: 1, contextSize: 256, gpu: false }), 'model-corrupt')
    expect(error.message).toBe(`The model file truncated.gguf is incomplete or damaged (${keptSize} of ${fullSize} bytes). Download it again.`)
  })

  it('reports a file cut inside its header as model-corrupt', async () => {
    const cut = path.join(temporaryDirectory, 'cut.gguf')
    await writeFile(cut, (await readFile(modelPath)).subarray(0, 2000))
    const error = await expectBrainError(LocalChatBackend.load({ modelPath: cut, threads: 1, contextSize: 256, gpu: false }), 'model-corrupt')
    expect(error.message).toContain('incomplete or damaged')
  })

  it('reports a file that is not GGUF as model-corrupt', async () => {
    const text = path.join(temporaryDirectory, 'notes.gguf')
    await writeFile(text, '# 2023-W14\n\nThis is a markdown file, not a model.\n'.repeat(10))
    const error = await expectBrainError(LocalChatBackend.load({ modelPath: text, threads: 1, contextSize: 256, gpu: false }), 'model-corrupt')
    expect(error.message).toContain('not a GGUF model')
  })

  it('refuses a context whose KV cache cannot fit in this machine\'s memory, with the figures', async () => {
    const bytes = Buffer.from(await readFile(modelPath))
    // Claim a huge training context so the requested window is not capped; the weights stay tiny.
    const keyAt = bytes.indexOf('llama.context_length')
    bytes.writeUInt32LE(0x7fffffff, keyAt + 'llama.context_length'.length + 4)
    const huge = path.join(temporaryDirectory, 'huge-context.gguf')
    await writeFile(huge, bytes)
    // 2 layers * (K + V) * 32 wide * 2 bytes = 256 bytes per token: enough tokens to need twice this machine's memory.
    const contextSize = Math.ceil((os.totalmem() * 2) / 256)
    const error = await expectBrainError(LocalChatBackend.load({ modelPath: huge, threads: 1, contextSize, gpu: false }), 'model-insufficient-memory')
    expect(error.details).toMatchObject({ totalBytes: os.totalmem(), contextSize, fits: false })
    expect(error.details!.requiredBytes as number).toBeGreaterThan(os.totalmem())
    expect(error.message).toMatch(/needs about [\d.]+ GB of memory/)
  })

  it('reports a complete file that llama.cpp refuses as model-load-failed', async () => {
    const bytes = Buffer.from(await readFile(modelPath))
    // Rename the architecture value ("llama" -> "xlama") so the file stays well-formed but unknown to llama.cpp.
    const keyAt = bytes.indexOf('general.architecture')
    const valueAt = bytes.indexOf('llama', keyAt + 'general.architecture'.length)
    bytes.write('xlama', valueAt, 'ascii')
    const unknown = path.join(temporaryDirectory, 'unknown-architecture.gguf')
    await writeFile(unknown, bytes)
    const error = await expectBrainError(LocalChatBackend.load({ modelPath: unknown, threads: 1, contextSize: 256, gpu: false }), 'model-load-failed')
    expect(error.message).toContain('unknown-architecture.gguf')
  })
})

describe('toSessionInput', () => {
  it('needs a user message last', () => {
    expect(() => toSessionInput([{ role: 'system', content: 'x' }])).toThrow(BrainError)
    expect(() => toSessionInput([])).toThrow(BrainError)
  })

  it('maps system, user and assistant turns to chat history', () => {
    const { history, prompt } = toSessionInput([
      { role: 'system', content: 's' },
      { role: 'user', content: 'u1' },
      { role: 'assistant', content: 'a1' },
      { role: 'user', content: 'u2' },
    ])
    expect(prompt).toBe('u2')
    expect(history).toEqual([
      { type: 'system', text: 's' },
      { type: 'user', text: 'u1' },
      { type: 'model', response: ['a1'] },
    ])
  })
})
