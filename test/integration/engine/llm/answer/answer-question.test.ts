import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { AskRequest } from '../../../../../shared/answer'
import { BrainError } from '../../../../../shared/errors'
import { defaultSettings, mergeSettings, type Settings, type SettingsPatch } from '../../../../../shared/settings'
import { answerQuestion, type AnswerDeps } from '../../../../../electron/engine/llm/answer/answer-question'
import { NOT_IN_NOTES } from '../../../../../electron/engine/llm/answer/grounded-prompt'
import { countMessages, promptCounter } from '../../../../../electron/engine/llm/answer/pack-passages'
import { directMessages } from '../../../../../electron/engine/llm/answer/grounded-prompt'
import { GatewayClient } from '../../../../../electron/engine/llm/gateway/gateway-client'
import { LocalChatBackend } from '../../../../../electron/engine/llm/local/local-chat-backend'
import type { ChatBackend } from '../../../../../electron/engine/llm/types'
import { startFakeGateway, type FakeGateway, type FakeGatewayOptions } from '../../../../support/fake-gateway'
import { ensureTinyChatModel } from '../../../../support/tiny-chat-model'
import { memorySearch, recordingBackend, weeklyHits } from './notes-fixture'

let local: LocalChatBackend
const cleanups: Array<() => unknown> = []

beforeAll(async () => {
  local = await LocalChatBackend.load({ modelPath: await ensureTinyChatModel(), threads: 1, contextSize: 512, gpu: false })
})

afterAll(async () => {
  await local?.dispose()
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function settingsWith(patch: SettingsPatch): Settings {
  return mergeSettings(defaultSettings(), { llm: { maxAnswerTokens: 48, temperature: 0 }, ...patch })
}

async function gatewayFor(options: FakeGatewayOptions, settings: Settings): Promise<{ fake: FakeGateway; client: GatewayClient }> {
  const fake = await startFakeGateway(options)
  const client = new GatewayClient({ settings: { ...settings.gateway, baseUrl: fake.url }, token: 'test-token' })
  cleanups.push(() => fake.close(), () => client.dispose())
  return { fake, client }
}

function ask(question: string, extra: Partial<AskRequest> = {}): AskRequest {
  return { answerId: 'a1', question, today: '2023-06-01', ...extra }
}

function deps(partial: Partial<AnswerDeps> & Pick<AnswerDeps, 'search' | 'settings'>): AnswerDeps & { deltas: string[] } {
  const deltas: string[] = []
  return { loadLocal: null, gateway: null, onDelta: (text) => deltas.push(text), ...partial, deltas }
}

const gatewayFirst = (extra: SettingsPatch = {}) =>
  settingsWith({ routing: { policy: 'prefer-gateway' }, gateway: { requestTimeoutMs: 2_000, probeTimeoutMs: 500 }, ...extra })

describe('answerQuestion over the real fake gateway', () => {
  it('answers from numbered passages, streams, cites and reports usage', async () => {
    const settings = gatewayFirst({ gateway: { pricePerMillionInput: 1, pricePerMillionOutput: 4, requestTimeoutMs: 2_000, probeTimeoutMs: 500 } })
    const { fake, client } = await gatewayFor({ reply: () => 'Alice reviewed the postgres migration [1][2], see also [9].' }, settings)
    const { search } = memorySearch(weeklyHits(12))
    const d = deps({ search, settings, gateway: client })
    const answer = await answerQuestion(ask('What happened with the postgres migration?'), d)

    expect(answer.text).toBe('Alice reviewed the postgres migration [1][2], see also [9].')
    expect(d.deltas.join('')).toBe(answer.text)
    expect(answer.sources.map((source) => source.path)).toEqual(['logs/2023-W02.md', 'logs/2023-W08.md'])
    expect(answer.citations.map((citation) => citation.n)).toEqual([1, 2])
    expect(answer.citations[1]).toMatchObject({ path: 'logs/2023-W08.md', startLine: 3, endLine: 9, periodStart: '2023-02-20' })
    expect(answer.meta).toMatchObject({ backend: 'gateway', model: 'small', strategy: 'direct', aborted: false, fallbackReason: null })
    expect(answer.meta.tokensIn).toBeGreaterThan(0)
    expect(answer.meta.cost).toBeCloseTo((answer.meta.tokensIn! * 1 + answer.meta.tokensOut! * 4) / 1e6, 12)
    expect(answer.meta.timeToFirstTokenMs).not.toBeNull()
    expect(answer.error).toBeNull()

    const [system, user] = fake.chatRequests()[0].body!.messages
    expect(system.content).toContain(NOT_IN_NOTES)
    expect(system.content).toContain('[1]')
    expect(user.content).toContain('[1] 2023-W02 (2023-01-09 to 2023-01-15) | logs/2023-W02.md:3-9 | Done')
    expect(user.content).toContain('[2] 2023-W08')
    expect(user.content.endsWith('Question: What happened with the postgres migration?')).toBe(true)
  })

  it('says the notes do not contain it without calling a model when nothing is retrieved', async () => {
    const settings = gatewayFirst()
    const { fake, client } = await gatewayFor({}, settings)
    const { search } = memorySearch(weeklyHits(6))
    const answer = await answerQuestion(ask('Did I ever visit Lisbon?'), deps({ search, settings, gateway: client, loadLocal: async () => local }))
    expect(answer.text.startsWith(NOT_IN_NOTES)).toBe(true)
    expect(answer.meta.strategy).toBe('no-passages')
    expect(answer.sources).toEqual([])
    expect(fake.connections()).toBe(0)
  })

  it('rewrites a follow-up for retrieval and records the standalone query', async () => {
    const settings = gatewayFirst()
    const { fake, client } = await gatewayFor({}, settings)
    const { search, queries } = memorySearch(weeklyHits(12))
    const answer = await answerQuestion(
      ask('Who else was there?', {
        history: [
          { role: 'user', content: 'Who reviewed the kubernetes upgrade in March 2023?' },
          { role: 'assistant', content: 'Alice [1].' },
        ],
      }),
      deps({ search, settings, gateway: client }),
    )
    expect(queries).toEqual(['Who else was there reviewed kubernetes upgrade in March 2023'])
    expect(answer.meta.standaloneQuery).toBe(queries[0])
    const user = fake.chatRequests()[0].body!.messages[1].content
    expect(user.endsWith('Question: Who else was there?\n(Read as: Who else was there reviewed kubernetes upgrade in March 2023)')).toBe(true)
    expect(answer.sources.length).toBeGreaterThan(0)
  })

  it('lets a reachable preferred gateway rewrite the follow-up, and falls back to the heuristic when it fails', async () => {
    const settings = gatewayFirst()
    const history = [
      { role: 'user' as const, content: 'Who reviewed the kubernetes upgrade in March 2023?' },
      { role: 'assistant' as const, content: 'Alice [1].' },
    ]
    let failRewrite = false
    const { fake, client } = await gatewayFor(
      {
        reply: (body) => (body.messages[0].content.startsWith('Rewrite') ? '"kubernetes upgrade reviewers besides Alice, March 2023"' : 'Bob too [1].'),
        fault: (request) => (failRewrite && request.body?.messages[0].content.startsWith('Rewrite') ? { type: 'status', status: 500 } : null),
      },
      settings,
    )
    expect((await client.probe()).type).toBe('reachable')
    const { search, queries } = memorySearch(weeklyHits(12))
    const answer = await answerQuestion(ask('Who else was there?', { history }), deps({ search, settings, gateway: client }))
    expect(queries).toEqual(['kubernetes upgrade reviewers besides Alice, March 2023'])
    expect(answer.meta.standaloneQuery).toBe(queries[0])
    const rewrite = fake.chatRequests()[0].body!
    expect(rewrite.messages[1].content).toContain('User: Who reviewed the kubernetes upgrade in March 2023?')
    expect(answer.text).toBe('Bob too [1].')

    failRewrite = true
    const fallback = await answerQuestion(ask('Who else was there?', { history }), deps({ search, settings, gateway: client }))
    expect(fallback.meta.standaloneQuery).toBe('Who else was there reviewed kubernetes upgrade in March 2023')
  })

  it('never sends a follow-up to the gateway for rewriting when the local model is preferred', async () => {
    const settings = settingsWith({ routing: { policy: 'auto' }, gateway: { requestTimeoutMs: 2_000, probeTimeoutMs: 500 } })
    const { fake, client } = await gatewayFor({}, settings)
    await client.probe()
    const { search, queries } = memorySearch(weeklyHits(4))
    await answerQuestion(
      ask('and then?', { history: [{ role: 'user', content: 'What happened to the garden beds in 2023?' }] }),
      deps({ search, settings, gateway: client, loadLocal: async () => local }),
    )
    expect(queries).toEqual(['and then garden beds in 2023'])
    // The answer itself may go to the gateway (the tiny local context is small); the rewrite never does.
    expect(fake.chatRequests().filter((request) => request.body!.messages[0].content.startsWith('Rewrite'))).toEqual([])
  })

  it('uses the large model when the prompt is over the threshold', async () => {
    const settings = gatewayFirst({ gateway: { largeModelThresholdTokens: 0, largeModel: 'big-one', requestTimeoutMs: 2_000, probeTimeoutMs: 500 } })
    const { fake, client } = await gatewayFor({}, settings)
    const answer = await answerQuestion(ask('kubernetes?'), deps({ search: memorySearch(weeklyHits(6)).search, settings, gateway: client }))
    expect(answer.meta.model).toBe('big-one')
    expect(fake.chatRequests()[0].body?.model).toBe('big-one')
  })

  it('returns the partial text when stopped mid-answer', async () => {
    const settings = gatewayFirst()
    const { client } = await gatewayFor({ chunkDelayMs: 25, chunkCharacters: 3, reply: () => 'The kubernetes upgrade went fine [1] '.repeat(10) }, settings)
    const controller = new AbortController()
    const d = deps({ search: memorySearch(weeklyHits(6)).search, settings, gateway: client })
    d.onDelta = (text) => {
      d.deltas.push(text)
      if (d.deltas.join('').length >= 15) controller.abort()
    }
    const answer = await answerQuestion(ask('kubernetes upgrade?'), d, controller.signal)
    expect(answer.meta.aborted).toBe(true)
    expect(answer.text).toBe(d.deltas.join(''))
    expect(answer.text.length).toBeGreaterThanOrEqual(15)
    expect(answer.text.length).toBeLessThan(100)
  })

  it('summarises a long range in groups (map-reduce) within the gateway context and covers every week', async () => {
    const contextTokens = 1024
    const settings = gatewayFirst({ gateway: { contextTokens, requestTimeoutMs: 2_000, probeTimeoutMs: 500 }, llm: { maxAnswerTokens: 128 } })
    const reply = (body: { messages: Array<{ content: string }> }) => {
      const numbers = [...body.messages[1].content.matchAll(/^\[(\d+)\]/gm)].map((match) => match[1])
      if (body.messages[0].content.includes('Combine')) return 'Across the half year: work started [1] and ended [20].'
      return `Summary of passages ${numbers.map((n) => `[${n}]`).join('')}.`
    }
    const { fake, client } = await gatewayFor({ contextTokens, reply }, settings)
    const hits = weeklyHits(20, 420)
    const answer = await answerQuestion(
      ask('What did I work on in the first half of 2023?'),
      deps({ search: memorySearch(hits, { rangeOnly: true, period: { start: '2023-01-01', end: '2023-06-30', label: 'first half of 2023' } }).search, settings, gateway: client }),
    )
    expect(answer.meta.strategy).toBe('map-reduce')
    expect(answer.text).toMatch(/summarised 20 weeks in groups/)
    expect(answer.text.endsWith('Across the half year: work started [1] and ended [20].')).toBe(true)
    expect(answer.sources).toHaveLength(20)
    expect(answer.citations.map((citation) => citation.path)).toEqual(['logs/2023-W01.md', 'logs/2023-W20.md'])
    const requests = fake.chatRequests()
    expect(requests.length).toBeGreaterThan(2)
    // The fake answers 400 to any prompt over its context, so reaching here already proves the fit; check anyway.
    for (const request of requests) {
      const body = request.body!
      expect(Math.ceil(body.messages.map((message) => message.content).join('').length / 4) + body.max_tokens!).toBeLessThanOrEqual(contextTokens)
    }
    const mapped = new Set(
      requests
        .filter((request) => !request.body!.messages[0].content.includes('Combine'))
        .flatMap((request) => [...request.body!.messages[1].content.matchAll(/^\[(\d+)\]/gm)].map((match) => Number(match[1]))),
    )
    expect([...mapped].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1))
    expect(answer.meta.model).toBe('large')
  })

  it('stops a map-reduce between groups and returns what was streamed', async () => {
    const contextTokens = 1024
    const settings = gatewayFirst({ gateway: { contextTokens, requestTimeoutMs: 2_000, probeTimeoutMs: 500 }, llm: { maxAnswerTokens: 128 } })
    const controller = new AbortController()
    let chats = 0
    const { fake, client } = await gatewayFor(
      {
        contextTokens,
        chunkDelayMs: 20,
        reply: () => {
          chats += 1
          if (chats === 2) setTimeout(() => controller.abort(), 10)
          return 'A summary of some weeks [1].'
        },
      },
      settings,
    )
    const d = deps({
      search: memorySearch(weeklyHits(20, 420), { rangeOnly: true, period: { start: '2023-01-01', end: '2023-06-30', label: 'first half of 2023' } }).search,
      settings,
      gateway: client,
    })
    const answer = await answerQuestion(ask('What did I work on in the first half of 2023?'), d, controller.signal)
    expect(answer.meta.aborted).toBe(true)
    expect(answer.text).toBe(d.deltas.join(''))
    expect(fake.chatRequests()).toHaveLength(2)
  })

  it('answers directly (no map-reduce) when a short range fits', async () => {
    const settings = gatewayFirst()
    const { fake, client } = await gatewayFor({}, settings)
    const answer = await answerQuestion(
      ask('What did I do in January 2023?'),
      deps({ search: memorySearch(weeklyHits(4), { rangeOnly: true, period: { start: '2023-01-01', end: '2023-01-31', label: 'January 2023' } }).search, settings, gateway: client }),
    )
    expect(answer.meta.strategy).toBe('direct')
    expect(answer.sources).toHaveLength(4)
    expect(fake.chatRequests()).toHaveLength(1)
  })
})

describe('routing with the real gateway backend and the real tiny local model', () => {
  const search = () => memorySearch(weeklyHits(12)).search

  it('local-only never opens a connection to the gateway', async () => {
    const settings = settingsWith({ routing: { policy: 'local-only' } })
    const { fake, client } = await gatewayFor({}, settings)
    const answer = await answerQuestion(ask('What have I worked on?', { backend: 'gateway' }), deps({ search: search(), settings, gateway: client, loadLocal: async () => local }))
    expect(answer.meta.backend).toBe('local')
    expect(answer.meta.model).toBe(local.model)
    expect(answer.meta.fallbackReason).toMatch(/local-only/)
    expect(fake.connections()).toBe(0)
  })

  it('local-only with no local model gives the passages without touching the network', async () => {
    const settings = settingsWith({ routing: { policy: 'local-only' } })
    const { fake, client } = await gatewayFor({}, settings)
    const loadLocal = async (): Promise<ChatBackend> => {
      throw new BrainError('model-missing', 'The chat model is not downloaded')
    }
    const answer = await answerQuestion(ask('What have I worked on?'), deps({ search: search(), settings, gateway: client, loadLocal }))
    expect(answer.meta).toMatchObject({ backend: 'retrieval-only', strategy: 'retrieval-only' })
    expect(answer.text).toMatch(/^No model could answer .*model-missing.*not an answer/s)
    expect(answer.citations.length).toBe(answer.sources.length)
    expect(fake.connections()).toBe(0)
  })

  it('auto packs within the local context, reserving the answer tokens', async () => {
    const settings = settingsWith({ routing: { policy: 'auto' } })
    const recorded = recordingBackend(local)
    const answer = await answerQuestion(ask('What have I worked on?'), deps({ search: search(), settings, loadLocal: async () => recorded.backend }))
    expect(answer.meta.backend).toBe('local')
    // Every passage would not fit locally, and the gateway that could take them is not configured.
    expect(answer.meta.fallbackReason).toMatch(/gateway is not configured/)
    expect(recorded.calls).toHaveLength(1)
    const call = recorded.calls[0]
    const promptTokens = await countMessages(call.messages, (text) => local.countTokens(text))
    expect(promptTokens + call.maxTokens).toBeLessThanOrEqual(local.contextTokens)
    // And by the model's own chat-template count, which is what llama.cpp evaluates.
    expect((await local.countMessageTokens(call.messages)) + call.maxTokens).toBeLessThanOrEqual(local.contextTokens)
    expect(call.maxTokens).toBe(48)
    expect(answer.sources.length).toBeGreaterThanOrEqual(1)
    // The 12 candidate passages cannot all fit in 512 tokens: fewer were given.
    expect(answer.sources.length).toBeLessThan(12)
  })

  it('auto uses the gateway when the local model is missing', async () => {
    const settings = settingsWith({ routing: { policy: 'auto' }, gateway: { requestTimeoutMs: 2_000, probeTimeoutMs: 500 } })
    const { client } = await gatewayFor({}, settings)
    const loadLocal = async (): Promise<ChatBackend> => {
      throw new BrainError('model-missing', 'The chat model is not downloaded')
    }
    const answer = await answerQuestion(ask('What have I worked on?'), deps({ search: search(), settings, gateway: client, loadLocal }))
    expect(answer.meta.backend).toBe('gateway')
    expect(answer.meta.fallbackReason).toMatch(/model-missing/)
  })

  it('auto uses the gateway when the prompt needs more context than the local model has', async () => {
    const settings = settingsWith({ routing: { policy: 'auto' }, gateway: { requestTimeoutMs: 2_000, probeTimeoutMs: 500 } })
    const { client } = await gatewayFor({}, settings)
    const answer = await answerQuestion(ask('What have I worked on?'), deps({ search: search(), settings, gateway: client, loadLocal: async () => local }))
    expect(answer.meta.backend).toBe('gateway')
    expect(answer.meta.fallbackReason).toMatch(/local model has 512/)
  })

  it('auto stays local (with fewer passages) when the gateway is unreachable', async () => {
    const settings = settingsWith({ routing: { policy: 'auto' }, gateway: { requestTimeoutMs: 2_000, probeTimeoutMs: 300 } })
    const { fake, client } = await gatewayFor({}, settings)
    await fake.close()
    const answer = await answerQuestion(ask('What have I worked on?'), deps({ search: search(), settings, gateway: client, loadLocal: async () => local }))
    expect(answer.meta.backend).toBe('local')
    expect(answer.sources.length).toBeLessThan(12)
  })

  it('prefer-gateway falls back to local on 429 and does not call the gateway again before Retry-After', async () => {
    const settings = gatewayFirst()
    const { fake, client } = await gatewayFor({ fault: (request) => (request.path.endsWith('/chat/completions') ? { type: 'status', status: 429, retryAfter: '30' } : null) }, settings)
    const d = deps({ search: search(), settings, gateway: client, loadLocal: async () => local })
    const first = await answerQuestion(ask('What have I worked on?'), d)
    expect(first.meta.backend).toBe('local')
    expect(first.meta.fallbackReason).toMatch(/gateway-rate-limited/)
    const second = await answerQuestion(ask('postgres migration?'), d)
    expect(second.meta.backend).toBe('local')
    expect(second.meta.fallbackReason).toMatch(/rate limiting for another/)
    expect(fake.chatRequests()).toHaveLength(1)
  })

  it('prefer-gateway falls back to local on a 503 and when unreachable', async () => {
    const settings = gatewayFirst()
    const { client } = await gatewayFor({ fault: (request) => (request.path.endsWith('/chat/completions') ? { type: 'status', status: 503 } : null) }, settings)
    const answer = await answerQuestion(ask('What have I worked on?'), deps({ search: search(), settings, gateway: client, loadLocal: async () => local }))
    expect(answer.meta.backend).toBe('local')
    expect(answer.meta.fallbackReason).toMatch(/gateway-server-error/)
  })

  it('a per-question local choice overrides prefer-gateway', async () => {
    const settings = gatewayFirst()
    const { fake, client } = await gatewayFor({}, settings)
    const answer = await answerQuestion(ask('What have I worked on?', { backend: 'local' }), deps({ search: search(), settings, gateway: client, loadLocal: async () => local }))
    expect(answer.meta.backend).toBe('local')
    expect(fake.connections()).toBe(0)
  })

  it('a gateway choice whose stream breaks ends retrieval-only with the error', async () => {
    const settings = gatewayFirst()
    const { client } = await gatewayFor({ fault: (request) => (request.path.endsWith('/chat/completions') ? { type: 'cut', afterChunks: 1 } : null), reply: () => 'x'.repeat(80) }, settings)
    const answer = await answerQuestion(ask('What have I worked on?', { backend: 'gateway' }), deps({ search: search(), settings, gateway: client, loadLocal: async () => local }))
    expect(answer.meta.backend).toBe('retrieval-only')
    expect(answer.error?.code).toBe('gateway-stream-broken')
    expect(answer.sources.length).toBeGreaterThan(0)
  })

  it('the calibrated prompt counter never undercounts the local chat template', async () => {
    const counter = promptCounter(local)
    for (const hits of [weeklyHits(1, 50), weeklyHits(2, 200), weeklyHits(3, 120)]) {
      const messages = directMessages('2023-06-01', 'What have I worked on lately?', hits.map((hit, index) => ({ n: index + 1, hit, text: hit.text, truncated: false })))
      const exact = await local.countMessageTokens(messages)
      const counted = await counter(messages)
      expect(counted).toBeGreaterThanOrEqual(exact)
      expect(counted - exact).toBeLessThanOrEqual(16)
    }
  })

  it('map-reduces a range on the tiny local model without overflowing its 512-token context', async () => {
    const settings = settingsWith({ routing: { policy: 'local-only' }, llm: { maxAnswerTokens: 24 } })
    const recorded = recordingBackend(local)
    const hits = weeklyHits(4, 200)
    const answer = await answerQuestion(
      ask('What did I do in Q1 2023?'),
      deps({ search: memorySearch(hits, { rangeOnly: true, period: { start: '2023-01-01', end: '2023-03-31', label: 'Q1 2023' } }).search, settings, loadLocal: async () => recorded.backend }),
    )
    expect(answer.meta.strategy).toBe('map-reduce')
    expect(answer.meta.backend).toBe('local')
    expect(answer.sources).toHaveLength(4)
    expect(recorded.calls.length).toBeGreaterThan(2)
    for (const call of recorded.calls) {
      const tokens = await local.countMessageTokens(call.messages)
      expect(tokens + call.maxTokens).toBeLessThanOrEqual(local.contextTokens)
    }
  }, 120_000)
})
