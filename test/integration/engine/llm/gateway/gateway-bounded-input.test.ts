import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { BrainError } from '../../../../../shared/errors'
import { defaultSettings } from '../../../../../shared/settings'
import { MAX_GATEWAY_RESPONSE_BYTES } from '../../../../../electron/engine/llm/gateway/bounded-fetch'
import { GatewayClient } from '../../../../../electron/engine/llm/gateway/gateway-client'
import { startReplayGateway, type ReplayGateway, type ReplayResponse } from '../../../../support/replay-gateway'

const MB = 1024 * 1024
const open: Array<() => unknown> = []
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close()
})

async function setup(response: ReplayResponse): Promise<{ gateway: ReplayGateway; client: GatewayClient }> {
  const gateway = await startReplayGateway({ response })
  const client = new GatewayClient({
    settings: { ...defaultSettings().gateway, baseUrl: gateway.url, requestTimeoutMs: 10_000 },
    token: 't',
    backoff: { initialMs: 60_000, maxMs: 60_000 },
  })
  open.push(() => gateway.close(), () => client.dispose())
  return { gateway, client }
}

/** `total` bytes made of `piece` repeated, generated as they are sent. */
function repeated(piece: string, total: number, head = ''): () => AsyncIterable<Buffer> {
  return async function* () {
    if (head) yield Buffer.from(head)
    const block = Buffer.from(piece.repeat(Math.max(1, Math.floor(64 * 1024 / piece.length))))
    for (let sent = 0; sent < total; sent += block.length) yield block
  }
}

const ask = (client: GatewayClient) =>
  client.backend('small').complete({ messages: [{ role: 'user', content: 'q' }], maxTokens: 256, temperature: 0 }).then(
    (result) => ({ result, error: null as BrainError | null }),
    (error: BrainError) => ({ result: null, error }),
  )

describe('bounded input from the gateway', () => {
  it('a 50 MB stream of text stops at the answer cap: a truncated answer, most of the stream never read', async () => {
    const chunk = `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'more words ' }, finish_reason: null }] })}\n\n`
    const { gateway, client } = await setup({ status: 200, contentType: 'text/event-stream', body: repeated(chunk, 50 * MB) })
    const { result, error } = await ask(client)
    expect(error).toBeNull()
    expect(result!.truncated).toBe(true)
    expect(result!.finishReason).toBeNull()
    expect(result!.text.length).toBe(256 * 16)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(gateway.bytesWritten()).toBeLessThan(10 * MB)
  })

  it('a 50 MB stream with no text (padding) is cut at the byte cap with gateway-response-too-large', async () => {
    const padding = `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: null }], obfuscation: 'x'.repeat(4000) })}\n\n`
    const { gateway, client } = await setup({ status: 200, contentType: 'text/event-stream', body: repeated(padding, 50 * MB) })
    const { error } = await ask(client)
    expect(error?.code).toBe('gateway-response-too-large')
    expect(error?.message).toMatch(/more than 16 MB/)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(gateway.bytesWritten()).toBeLessThan(MAX_GATEWAY_RESPONSE_BYTES + 8 * MB)
  })

  it('a 200 MB JSON body that announces its length is refused before reading', async () => {
    const { gateway, client } = await setup({
      status: 200,
      contentType: 'application/json',
      contentLength: 200 * MB,
      body: repeated(' ', 200 * MB, '{"choices":[{"message":{"content":"x"}}],"pad":"'),
    })
    const { error } = await ask(client)
    expect(error?.code).toBe('gateway-response-too-large')
    expect(error?.message).toMatch(/announced a 200 MB response/)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(gateway.bytesWritten()).toBeLessThan(MAX_GATEWAY_RESPONSE_BYTES)
  })

  it('a 200 MB chunked JSON body is cut at the byte cap', async () => {
    const { gateway, client } = await setup({ status: 200, contentType: 'application/json', body: repeated(' ', 200 * MB, '{"choices":[{"message":{"content":"x"}}],"pad":"') })
    const { error } = await ask(client)
    expect(error?.code).toBe('gateway-response-too-large')
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(gateway.bytesWritten()).toBeLessThan(MAX_GATEWAY_RESPONSE_BYTES + 8 * MB)
  })

  it('refuses a redirect for chat: the target never sees the request or the token', async () => {
    let targetHits = 0
    const target = createServer((_request, response) => {
      targetHits += 1
      response.end('{}')
    })
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve))
    open.push(() => new Promise<void>((resolve) => target.close(() => resolve())))
    const location = `http://127.0.0.1:${(target.address() as AddressInfo).port}/v1/chat/completions`
    const { client } = await setup({ status: 307, contentType: 'text/plain', headers: { location }, body: Buffer.from('') })
    const { error } = await ask(client)
    expect(error?.code).toBe('gateway-bad-request')
    expect(error?.message).toBe(`The gateway answered with a redirect (HTTP 307 to ${location}); notes-rag does not follow redirects for chat, so set the final URL as the gateway URL`)
    expect(targetHits).toBe(0)
    expect(client.status().type).not.toBe('unreachable')
  })
})
