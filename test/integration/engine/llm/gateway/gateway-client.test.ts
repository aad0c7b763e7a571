import { afterEach, describe, expect, it } from 'vitest'
import { BrainError } from '../../../../../shared/errors'
import type { GatewayStatus } from '../../../../../shared/gateway'
import { defaultSettings, type Settings } from '../../../../../shared/settings'
import { GatewayClient } from '../../../../../electron/engine/llm/gateway/gateway-client'
import { estimateTokens, startFakeGateway, type FakeGateway, type FakeGatewayOptions } from '../../../../support/fake-gateway'

const open: Array<{ dispose(): unknown } | FakeGateway> = []

afterEach(async () => {
  for (const item of open.splice(0).reverse()) {
    if ('close' in item) await item.close()
    else await item.dispose()
  }
})

function gatewaySettings(patch: Partial<Settings['gateway']>): Settings['gateway'] {
  return { ...defaultSettings().gateway, requestTimeoutMs: 2_000, probeTimeoutMs: 500, ...patch }
}

async function setup(options: FakeGatewayOptions = {}, patch: Partial<Settings['gateway']> = {}, token: string | null = 'test-token') {
  const gateway = await startFakeGateway(options)
  open.push(gateway)
  const statuses: GatewayStatus[] = []
  const client = new GatewayClient({
    settings: gatewaySettings({ baseUrl: gateway.url, ...patch }),
    token,
    onStatus: (status) => statuses.push(status),
    backoff: { initialMs: 50, maxMs: 400 },
  })
  open.push(client)
  return { gateway, client, statuses }
}

const question = [{ role: 'user' as const, content: 'What did I do on the backup server in week 14?' }]

async function expectCode(promise: Promise<unknown>, code: string): Promise<BrainError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  )
  expect(BrainError.is(error), `expected a BrainError, got ${String(error)}`).toBe(true)
  expect((error as BrainError).code).toBe(code)
  return error as BrainError
}

describe('GatewayClient against a real HTTP server', () => {
  it('streams an answer through the SDK with keep-alive comments, [DONE], usage and cost', async () => {
    const reply = 'You restored the backup server from snapshots [1] and rotated its keys [2].'
    const { gateway, client } = await setup(
      { reply: () => reply, chunkCharacters: 5 },
      { pricePerMillionInput: 2, pricePerMillionOutput: 10 },
    )
    const deltas: string[] = []
    const result = await client.backend('small').complete({ messages: question, maxTokens: 64, temperature: 0, onDelta: (text) => deltas.push(text) })
    expect(result.text).toBe(reply)
    expect(deltas.length).toBeGreaterThan(5)
    expect(deltas.join('')).toBe(reply)
    const promptTokens = estimateTokens(question[0].content)
    expect(result.tokensIn).toBe(promptTokens)
    expect(result.tokensOut).toBe(estimateTokens(reply))
    expect(result.cost).toBeCloseTo((promptTokens * 2 + estimateTokens(reply) * 10) / 1e6, 12)
    expect(result.aborted).toBe(false)
    expect(result.timeToFirstTokenMs).not.toBeNull()
    const sent = gateway.chatRequests()[0]
    expect(sent.authorization).toBe('Bearer test-token')
    expect(sent.body?.model).toBe('small')
    expect(sent.body?.stream).toBe(true)
    expect(sent.body?.stream_options?.include_usage).toBe(true)
    expect(client.status().type).toBe('reachable')
  })

  it('uses the large model name for the large backend and reports no cost without prices', async () => {
    const { gateway, client } = await setup({}, { largeModel: 'qwen-72b' })
    const result = await client.backend('large').complete({ messages: question, maxTokens: 32, temperature: 0 })
    expect(gateway.chatRequests()[0].body?.model).toBe('qwen-72b')
    expect(result.cost).toBeNull()
    expect(result.text.startsWith('Echo:')).toBe(true)
  })

  it('maps 401 to gateway-unauthorized and marks the status', async () => {
    const { client } = await setup({}, {}, 'wrong-token')
    const error = await expectCode(client.backend('small').complete({ messages: question, maxTokens: 16, temperature: 0 }), 'gateway-unauthorized')
    expect(error.message).toBe('The gateway rejected the token (HTTP 401): invalid token')
    expect(client.status().type).toBe('unauthorized')
    expect((await client.probe()).type).toBe('unauthorized')
  })

  it('maps 403 to gateway-unauthorized too', async () => {
    const { client } = await setup({ fault: () => ({ type: 'status', status: 403 }) })
    await expectCode(client.backend('small').complete({ messages: question, maxTokens: 16, temperature: 0 }), 'gateway-unauthorized')
  })

  it('honours Retry-After seconds on 429 and refuses to call again before then', async () => {
    const { gateway, client } = await setup({ fault: (_request, index) => (index === 0 ? { type: 'status', status: 429, retryAfter: '1' } : null) })
    const error = await expectCode(client.backend('small').complete({ messages: question, maxTokens: 16, temperature: 0 }), 'gateway-rate-limited')
    expect(error.details?.retryAfterMs).toBe(1000)
    expect(client.status().type).toBe('rate-limited')
    const again = await expectCode(client.backend('small').complete({ messages: question, maxTokens: 16, temperature: 0 }), 'gateway-rate-limited')
    expect(Number(again.details?.retryAfterMs)).toBeGreaterThan(0)
    expect(gateway.chatRequests()).toHaveLength(1)
    await new Promise((resolve) => setTimeout(resolve, 1050))
    const result = await client.backend('small').complete({ messages: question, maxTokens: 16, temperature: 0 })
    expect(result.text.length).toBeGreaterThan(0)
    expect(gateway.chatRequests()).toHaveLength(2)
  })

  it('honours Retry-After as an HTTP date', async () => {
    const retryAt = new Date(Date.now() + 30_000).toUTCString()
    const { client } = await setup({ fault: () => ({ type: 'status', status: 429, retryAfter: retryAt }) })
    const error = await expectCode(client.backend('small').complete({ messages: question, maxTokens: 16, temperature: 0 }), 'gateway-rate-limited')
    const retryAfterMs = Number(error.details?.retryAfterMs)
    expect(retryAfterMs).toBeGreaterThan(25_000)
    expect(retryAfterMs).toBeLessThanOrEqual(30_000)
    expect(client.rateLimitRemainingMs()).toBeGreaterThan(25_000)
  })

  it.each([500, 502, 503])('maps HTTP %i to gateway-server-error', async (status) => {
    const { client } = await setup({ fault: () => ({ type: 'status', status }) })
    const error = await expectCode(client.backend('small').complete({ messages: question, maxTokens: 16, temperature: 0 }), 'gateway-server-error')
    expect(error.details?.status).toBe(status)
    expect(error.retryable).toBe(true)
  })

  it('times out a slow first byte and a hung request instead of waiting', async () => {
    for (const fault of [{ type: 'slow-first-byte', delayMs: 3_000 } as const, { type: 'hang' } as const]) {
      const { client } = await setup({ fault: () => fault }, { requestTimeoutMs: 300 })
      const started = performance.now()
      await expectCode(client.backend('small').complete({ messages: question, maxTokens: 16, temperature: 0 }), 'gateway-timeout')
      expect(performance.now() - started).toBeLessThan(2_000)
    }
  })

  it('times out a stream that stalls mid-answer', async () => {
    const { client } = await setup({ chunkDelayMs: 1_000, reply: () => 'a long answer that trickles in' }, { requestTimeoutMs: 300 })
    const error = await expectCode(client.backend('small').complete({ messages: question, maxTokens: 16, temperature: 0 }), 'gateway-timeout')
    expect(String(error.details?.partialText)).toBe('a long a')
  })

  it('reports a stream cut mid-answer as gateway-stream-broken with the partial text', async () => {
    const { client } = await setup({ reply: () => 'The answer is forty-two, said the notes.', fault: () => ({ type: 'cut', afterChunks: 2 }) })
    const deltas: string[] = []
    const error = await expectCode(
      client.backend('small').complete({ messages: question, maxTokens: 16, temperature: 0, onDelta: (text) => deltas.push(text) }),
      'gateway-stream-broken',
    )
    expect(error.details?.partialText).toBe('The answer is fo')
    expect(deltas.join('')).toBe('The answer is fo')
  })

  it('reports a stream that ends without [DONE] or finish_reason as broken', async () => {
    const { client } = await setup({ fault: () => ({ type: 'no-done' }) })
    await expectCode(client.backend('small').complete({ messages: question, maxTokens: 16, temperature: 0 }), 'gateway-stream-broken')
  })

  it('skips a malformed SSE line when the stream recovers', async () => {
    const reply = 'Recovered answer text.'
    const { client } = await setup({ reply: () => reply, fault: () => ({ type: 'malformed', recover: true }) })
    const result = await client.backend('small').complete({ messages: question, maxTokens: 16, temperature: 0 })
    expect(result.text).toBe(reply)
  })

  it('reports malformed lines followed by the end of the stream as broken', async () => {
    const { client } = await setup({ fault: () => ({ type: 'malformed', recover: false }) })
    const error = await expectCode(client.backend('small').complete({ messages: question, maxTokens: 16, temperature: 0 }), 'gateway-stream-broken')
    expect(Number(error.details?.malformedLines)).toBeGreaterThanOrEqual(1)
  })

  it('accepts a whole JSON completion from a proxy that ignores stream: true', async () => {
    const { client } = await setup({ reply: () => 'Whole answer [1].', fault: () => ({ type: 'ignore-stream' }) }, { pricePerMillionOutput: 1 })
    const deltas: string[] = []
    const result = await client.backend('small').complete({ messages: question, maxTokens: 16, temperature: 0, onDelta: (text) => deltas.push(text) })
    expect(result.text).toBe('Whole answer [1].')
    expect(deltas).toEqual(['Whole answer [1].'])
    expect(result.tokensOut).toBe(estimateTokens('Whole answer [1].'))
  })

  it('returns the partial text when aborted mid-stream', async () => {
    const { client } = await setup({ chunkDelayMs: 30, chunkCharacters: 4, reply: () => 'x'.repeat(400) })
    const controller = new AbortController()
    let received = ''
    const result = await client.backend('small').complete({
      messages: question,
      maxTokens: 200,
      temperature: 0,
      signal: controller.signal,
      onDelta: (text) => {
        received += text
        if (received.length >= 12) controller.abort()
      },
    })
    expect(result.aborted).toBe(true)
    expect(result.text).toBe(received)
    expect(result.text.length).toBeGreaterThanOrEqual(12)
    expect(result.text.length).toBeLessThan(400)
  })

  it('answers an already-aborted request without a connection', async () => {
    const { gateway, client } = await setup()
    const controller = new AbortController()
    controller.abort()
    const result = await client.backend('small').complete({ messages: question, maxTokens: 16, temperature: 0, signal: controller.signal })
    expect(result.aborted).toBe(true)
    expect(gateway.connections()).toBe(0)
  })
})

describe('GatewayClient probing', () => {
  it('probes GET /v1/models and lists the models', async () => {
    const { gateway, client, statuses } = await setup({ models: ['small', 'large', 'embed'] })
    const status = await client.probe()
    expect(status.type).toBe('reachable')
    if (status.type === 'reachable') expect(status.models).toEqual(['small', 'large', 'embed'])
    expect(statuses.map((entry) => entry.type)).toEqual(['probing', 'reachable'])
    expect(gateway.requests[0].path).toBe('/v1/models')
  })

  it('reports not-configured without a base URL', async () => {
    const client = new GatewayClient({ settings: gatewaySettings({ baseUrl: null }), token: null })
    open.push(client)
    expect(client.status().type).toBe('not-configured')
    expect((await client.probe()).type).toBe('not-configured')
    expect(() => client.backend('small')).toThrowError(expect.objectContaining({ code: 'gateway-not-configured' }))
  })

  it('times out a hung probe with the probe timeout', async () => {
    const { client } = await setup({ fault: () => ({ type: 'hang' }) }, { probeTimeoutMs: 200 })
    const started = performance.now()
    const status = await client.probe()
    expect(status.type).toBe('unreachable')
    expect(performance.now() - started).toBeLessThan(1_500)
  })

  it('re-probes with exponential backoff while unreachable and recovers', async () => {
    let failing = true
    const { gateway, client, statuses } = await setup({ fault: () => (failing ? { type: 'status', status: 503 } : null) })
    client.startProbing()
    const deadline = Date.now() + 3_000
    while (gateway.requests.length < 4 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    const unreachable = statuses.filter((status) => status.type === 'unreachable') as Array<Extract<GatewayStatus, { type: 'unreachable' }>>
    expect(unreachable.length).toBeGreaterThanOrEqual(3)
    const gaps = unreachable.slice(0, 3).map((status) => Date.parse(status.nextProbeAt!) - Date.parse(status.checkedAt))
    expect(gaps).toEqual([50, 100, 200])
    failing = false
    while (client.status().type !== 'reachable' && Date.now() < deadline + 2_000) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(client.status().type).toBe('reachable')
    const count = gateway.requests.length
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(gateway.requests.length).toBe(count)
  })

  it('stops re-probing on dispose', async () => {
    const { gateway, client } = await setup({ fault: () => ({ type: 'status', status: 502 }) })
    client.startProbing()
    while (gateway.requests.length < 1) await new Promise((resolve) => setTimeout(resolve, 10))
    client.dispose()
    const count = gateway.requests.length
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(gateway.requests.length).toBe(count)
  })

  it('reports an unreachable host (connection refused) quickly', async () => {
    const gateway = await startFakeGateway()
    const url = gateway.url
    await gateway.close()
    const client = new GatewayClient({ settings: gatewaySettings({ baseUrl: url }), token: 'test-token' })
    open.push(client)
    expect((await client.probe()).type).toBe('unreachable')
    await expectCode(client.backend('small').complete({ messages: question, maxTokens: 16, temperature: 0 }), 'gateway-unreachable')
  })
})

describe('insecure URLs', () => {
  it('refuses http:// to a non-loopback host unless allowed', async () => {
    const client = new GatewayClient({ settings: gatewaySettings({ baseUrl: 'http://llm.homelab.lan/v1' }), token: 't' })
    open.push(client)
    expect(() => client.backend('small')).toThrowError(expect.objectContaining({ code: 'gateway-insecure-url' }))
    const status = await client.probe()
    expect(status.type).toBe('unreachable')
    if (status.type === 'unreachable') expect(status.nextProbeAt).toBeNull()
    const allowed = new GatewayClient({ settings: gatewaySettings({ baseUrl: 'http://llm.homelab.lan/v1', allowInsecureHttp: true }), token: 't' })
    open.push(allowed)
    expect(allowed.backend('small').model).toBe('small')
    const secure = new GatewayClient({ settings: gatewaySettings({ baseUrl: 'https://llm.homelab.lan/v1' }), token: 't' })
    open.push(secure)
    expect(secure.backend('large').model).toBe('large')
  })
})
