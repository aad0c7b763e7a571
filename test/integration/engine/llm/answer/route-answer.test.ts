import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { BrainError } from '../../../../../shared/errors'
import { defaultSettings, mergeSettings, type SettingsPatch } from '../../../../../shared/settings'
import { GatewayClient } from '../../../../../electron/engine/llm/gateway/gateway-client'
import { AnswerRouter } from '../../../../../electron/engine/llm/router/route-answer'
import { LocalChatBackend } from '../../../../../electron/engine/llm/local/local-chat-backend'
import type { ChatBackend } from '../../../../../electron/engine/llm/types'
import { ensureTinyChatModel } from '../../../../support/tiny-chat-model'
import { startFakeGateway, type FakeGatewayOptions } from '../../../../support/fake-gateway'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

let local: LocalChatBackend
beforeAll(async () => {
  local = await LocalChatBackend.load({ modelPath: await ensureTinyChatModel(), threads: 1, contextSize: 512, gpu: false })
})
afterAll(async () => {
  await local?.dispose()
})
const loadTiny = async (): Promise<ChatBackend> => local

async function setup(patch: SettingsPatch, options: FakeGatewayOptions = {}) {
  const fake = await startFakeGateway(options)
  const settings = mergeSettings(defaultSettings(), { ...patch, gateway: { baseUrl: fake.url, probeTimeoutMs: 300, ...patch.gateway } })
  const client = new GatewayClient({ settings: settings.gateway, token: 'test-token' })
  cleanups.push(() => fake.close(), () => client.dispose())
  return { fake, client, settings }
}

describe('AnswerRouter with the real gateway client', () => {
  it('auto: local when it fits, gateway when the local tokenizer says it does not', async () => {
    const { fake, client, settings } = await setup({ routing: { policy: 'auto' } })
    const small = 'the backup server ran fine. '.repeat(4)
    const fits = await new AnswerRouter({ settings, loadLocal: loadTiny, gateway: client }).select({ promptTokens: 40, promptText: small, fixedTokens: 100 })
    expect(fits.kind).toBe('local')
    expect(fake.connections()).toBe(0)
    // ~4 characters per token would say it fits in 512; the tiny model's own tokenizer says it does not.
    const text = 'the backup server ran fine. '.repeat(50)
    expect(Math.ceil(text.length / 4) + 100).toBeLessThan(512)
    const measured = (await local.countTokens(text)) + 100
    expect(measured).toBeGreaterThan(512)
    const big = await new AnswerRouter({ settings, loadLocal: loadTiny, gateway: client }).select({ promptTokens: 400, promptText: text, fixedTokens: 100 })
    expect(big.kind).toBe('gateway')
    expect(big.fallbackReason).toBe(`the prompt needs ~${measured} tokens, the local model has 512`)
    expect(big.backend?.model).toBe('small')
  })

  it('auto: a prompt longer than routing.localMaxPromptTokens goes to a reachable gateway, else stays local', async () => {
    const { fake, client, settings } = await setup({ routing: { policy: 'auto', localMaxPromptTokens: 150 } })
    const text = 'the backup server ran fine. '.repeat(8)
    const toRead = (await local.countTokens(text)) + 20
    // It fits the tiny model's 512 tokens, answer included, but is longer than the limit.
    expect(toRead).toBeGreaterThan(150)
    expect(toRead + 80).toBeLessThan(512)
    const needs = { promptTokens: 300, promptText: text, fixedTokens: 100, answerTokens: 80 }
    const long = await new AnswerRouter({ settings, loadLocal: loadTiny, gateway: client }).select(needs)
    expect(long.kind).toBe('gateway')
    expect(long.fallbackReason).toBe(`the prompt is ~${toRead} tokens, more than the local model reads quickly (routing.localMaxPromptTokens 150)`)

    const short = await new AnswerRouter({ settings, loadLocal: loadTiny, gateway: client }).select({ ...needs, promptText: 'the backup server ran fine.' })
    expect(short.kind).toBe('local')
    expect(short.fallbackReason).toBeNull()

    const unlimited = mergeSettings(settings, { routing: { localMaxPromptTokens: 0 } })
    expect((await new AnswerRouter({ settings: unlimited, loadLocal: loadTiny, gateway: client }).select(needs)).kind).toBe('local')
    // The question a user picked for the local model stays local, however long.
    expect((await new AnswerRouter({ settings, loadLocal: loadTiny, gateway: client }, 'local').select(needs)).kind).toBe('local')
    expect(fake.chatRequests()).toHaveLength(0)
  })

  it('auto: a long prompt is answered locally when the gateway is down, saying why', async () => {
    const { client, settings } = await setup({ routing: { policy: 'auto', localMaxPromptTokens: 150 } }, { fault: () => ({ type: 'status', status: 502 }) })
    const text = 'the backup server ran fine. '.repeat(8)
    const route = await new AnswerRouter({ settings, loadLocal: loadTiny, gateway: client }).select({ promptTokens: 300, promptText: text, fixedTokens: 100, answerTokens: 80 })
    expect(route.kind).toBe('local')
    expect(route.fallbackReason).toMatch(/^the gateway is unreachable/)
  })

  it('large model above the threshold or for map-reduce', async () => {
    const { client, settings } = await setup({ routing: { policy: 'prefer-gateway' }, gateway: { largeModelThresholdTokens: 1000 } })
    const router = () => new AnswerRouter({ settings, loadLocal: null, gateway: client })
    expect((await router().select({ promptTokens: 999 })).backend?.model).toBe('small')
    expect((await router().select({ promptTokens: 1001 })).backend?.model).toBe('large')
    expect((await router().select({ promptTokens: 10, mapReduce: true })).backend?.model).toBe('large')
  })

  it('trusts a fresh unreachable status instead of probing on every question', async () => {
    const { fake, client, settings } = await setup({ routing: { policy: 'prefer-gateway' } }, { fault: () => ({ type: 'status', status: 502 }) })
    const loadLocal = loadTiny
    const first = await new AnswerRouter({ settings, loadLocal, gateway: client }).select({ promptTokens: 10 })
    expect(first.kind).toBe('local')
    expect(first.fallbackReason).toMatch(/unreachable/)
    expect(fake.requests).toHaveLength(1)
    const second = await new AnswerRouter({ settings, loadLocal, gateway: client }).select({ promptTokens: 10 })
    expect(second.kind).toBe('local')
    expect(fake.requests).toHaveLength(1)
  })

  it('unauthorized gateway and no local model: retrieval-only with both reasons', async () => {
    const fake = await startFakeGateway({ token: 'right' })
    const settings = mergeSettings(defaultSettings(), { routing: { policy: 'prefer-gateway' }, gateway: { baseUrl: fake.url } })
    const client = new GatewayClient({ settings: settings.gateway, token: 'wrong' })
    cleanups.push(() => fake.close(), () => client.dispose())
    const loadLocal = (signal?: AbortSignal) => LocalChatBackend.load({ modelPath: '/nonexistent/model.gguf', threads: 1, contextSize: 512, gpu: false, signal })
    const route = await new AnswerRouter({ settings, loadLocal, gateway: client }).select({ promptTokens: 10 })
    expect(route.kind).toBe('retrieval-only')
    expect(route.backend).toBeNull()
    expect(route.fallbackReason).toMatch(/^the gateway is refusing the token; the local model is unavailable: .*\(model-missing\)$/)
  })

  it('markFailed moves on to the next backend', async () => {
    const { client, settings } = await setup({ routing: { policy: 'prefer-gateway' } })
    const router = new AnswerRouter({ settings, loadLocal: loadTiny, gateway: client })
    const first = await router.select({ promptTokens: 10 })
    expect(first.kind).toBe('gateway')
    router.markFailed(first.backend!, new BrainError('gateway-stream-broken', 'The gateway stream broke off mid-answer'))
    const second = await router.select({ promptTokens: 10 })
    expect(second.kind).toBe('local')
    expect(second.fallbackReason).toBe('the gateway failed: The gateway stream broke off mid-answer (gateway-stream-broken)')
  })
})

describe('AnswerRouter: which gateway failures mark it unreachable', () => {
  const chatOnly = (fault: NonNullable<ReturnType<NonNullable<FakeGatewayOptions['fault']>>>): FakeGatewayOptions['fault'] => (request) =>
    request.path.endsWith('/chat/completions') ? fault : null
  const messages = [{ role: 'user' as const, content: 'what did I plant?' }]

  it.each([
    [400, 'gateway-bad-request', /^The gateway rejected the request \(HTTP 400\): injected 400$/],
    [404, 'gateway-model-not-found', /^The gateway has no model "small" \(its \/models lists: llama3, qwen\)\. It said: injected 404$/],
  ])('after a %i the gateway is still reachable and the next question goes to it again', async (status, code, message) => {
    const { fake, client, settings } = await setup({ routing: { policy: 'prefer-gateway' } }, { models: ['llama3', 'qwen'], fault: chatOnly({ type: 'status', status }) })
    const router = new AnswerRouter({ settings, loadLocal: loadTiny, gateway: client })
    const route = await router.select({ promptTokens: 10 })
    expect(route.kind).toBe('gateway')
    const error = await route.backend!.complete({ messages, maxTokens: 16, temperature: 0 }).catch((caught: unknown) => caught)
    expect(BrainError.is(error, code as never)).toBe(true)
    expect((error as BrainError).message).toMatch(message)
    router.markFailed(route.backend!, error)
    expect(client.status().type).toBe('reachable')
    expect((await router.select({ promptTokens: 10 })).kind).toBe('local')
    const next = await new AnswerRouter({ settings, loadLocal: loadTiny, gateway: client }).select({ promptTokens: 10 })
    expect(next.kind).toBe('gateway')
    expect(next.fallbackReason).toBeNull()
    expect(fake.chatRequests()).toHaveLength(1)
  })

  it.each([
    ['a 502', { type: 'status', status: 502 } as const, 'gateway-server-error'],
    ['a timeout', { type: 'hang' } as const, 'gateway-timeout'],
  ])('after %s the gateway is unreachable and the next question falls back with the reason', async (_name, fault, code) => {
    const { client, settings } = await setup({ routing: { policy: 'prefer-gateway' }, gateway: { requestTimeoutMs: 300 } }, { fault: chatOnly(fault) })
    const route = await new AnswerRouter({ settings, loadLocal: loadTiny, gateway: client }).select({ promptTokens: 10 })
    const error = await route.backend!.complete({ messages, maxTokens: 16, temperature: 0 }).catch((caught: unknown) => caught)
    expect((error as BrainError).code).toBe(code)
    expect(client.status().type).toBe('unreachable')
    const next = new AnswerRouter({ settings, loadLocal: loadTiny, gateway: client })
    const fallback = await next.select({ promptTokens: 10 })
    expect(fallback.kind).toBe('local')
    expect(fallback.fallbackReason).toMatch(/^the gateway is unreachable \(/)
    expect(next.lastError()?.code).toBe('gateway-unreachable')
  })

  it('after a refused connection the gateway is unreachable', async () => {
    const { fake, client, settings } = await setup({ routing: { policy: 'prefer-gateway' } })
    const route = await new AnswerRouter({ settings, loadLocal: loadTiny, gateway: client }).select({ promptTokens: 10 })
    await fake.close()
    const error = await route.backend!.complete({ messages, maxTokens: 16, temperature: 0 }).catch((caught: unknown) => caught)
    expect((error as BrainError).code).toBe('gateway-unreachable')
    expect(client.status().type).toBe('unreachable')
  })
})
