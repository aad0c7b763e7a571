import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BrainError } from '../../../../../shared/errors'
import { defaultSettings } from '../../../../../shared/settings'
import { GatewayClient } from '../../../../../electron/engine/llm/gateway/gateway-client'
import { RECORDED_DIR, REPLAY_CASES, REPLAY_MODELS } from '../../../../fixtures/sse/replay-cases'
import { replayFile, startReplayGateway, type ReplayGateway } from '../../../../support/replay-gateway'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..')
const sharedSse = path.resolve(repoRoot, '../shared/sse')

let gateway: ReplayGateway
beforeAll(async () => {
  gateway = await startReplayGateway({ models: REPLAY_MODELS })
})
afterAll(async () => {
  await gateway?.close()
})

function newClient() {
  return new GatewayClient({
    settings: { ...defaultSettings().gateway, baseUrl: gateway.url, requestTimeoutMs: 5_000, probeTimeoutMs: 2_000 },
    token: 'test-token',
    backoff: { initialMs: 60_000, maxMs: 60_000 },
  })
}

const messages = [{ role: 'user' as const, content: 'What did I plant in the garden?' }]

describe('the gateway client replaying real and described provider responses', () => {
  it.each(REPLAY_CASES.map((replay) => [replay.name, replay] as const))('%s', async (_name, replay) => {
    gateway.setResponse(replayFile(replay.file, replay))
    const client = newClient()
    const deltas: string[] = []
    const reasoningDeltas: string[] = []
    try {
      const outcome = await client
        .backend('small')
        .complete({ messages, maxTokens: 256, temperature: 0, onDelta: (text) => deltas.push(text), onReasoningDelta: (text) => reasoningDeltas.push(text) })
        .then(
          (result) => ({ result, error: null }),
          (error: unknown) => ({ result: null, error }),
        )
      const expected = replay.expect
      if (expected.type === 'answer') {
        expect(outcome.error).toBeNull()
        const result = outcome.result!
        expect(result.text).toBe(expected.text)
        expect(deltas.join('')).toBe(expected.text)
        expect(result.reasoning || null).toBe(expected.reasoning)
        expect(reasoningDeltas.join('') || null).toBe(expected.reasoning)
        expect(result.finishReason).toBe(expected.finishReason)
        expect(result.truncated).toBe(expected.truncated)
        expect(result.tokensIn).toBe(expected.tokensIn)
        expect(result.tokensOut).toBe(expected.tokensOut)
        expect(result.text).not.toContain('[object Object]')
        expect(result.text).not.toContain('<think>')
        expect(client.status().type).toBe('reachable')
      } else {
        expect(BrainError.is(outcome.error), `expected a BrainError, got ${String(outcome.error)}`).toBe(true)
        const error = outcome.error as BrainError
        expect(error.code).toBe(expected.code)
        expect(error.message).toMatch(expected.message)
        if (expected.partialText !== undefined) {
          expect(error.details?.partialText).toBe(expected.partialText)
          expect(deltas.join('')).toBe(expected.partialText)
        }
        // Only network failures, timeouts and 5xx say anything about reachability.
        const status = client.status().type
        if (expected.code === 'gateway-server-error' || expected.code === 'gateway-stream-broken') expect(['unreachable', 'probing']).toContain(status)
        else if (expected.code === 'gateway-unauthorized') expect(status).toBe('unauthorized')
        else if (expected.code === 'gateway-rate-limited') expect(status).toBe('rate-limited')
        else expect(status).toBe('reachable')
      }
    } finally {
      client.dispose()
    }
  })

  it('a 429 without Retry-After pauses on the client side and says so, not as if the gateway had said it', async () => {
    const replay = REPLAY_CASES.find((entry) => entry.name.startsWith('OpenRouter 429 without'))!
    gateway.setResponse(replayFile(replay.file, replay))
    const client = newClient()
    try {
      const first = await client.backend('small').complete({ messages, maxTokens: 16, temperature: 0 }).catch((error: BrainError) => error)
      expect((first as BrainError).details?.retryAfterMs).toBeNull()
      expect((first as BrainError).details?.upstream).toMatch(/temporarily rate-limited upstream/)
      const status = client.status()
      expect(status).toMatchObject({ type: 'rate-limited', retryAtFromServer: false })
      const chats = gateway.requests.filter((request) => request.path === '/v1/chat/completions').length
      const second = await client.backend('small').complete({ messages, maxTokens: 16, temperature: 0 }).catch((error: BrainError) => error)
      expect((second as BrainError).code).toBe('gateway-rate-limited')
      expect((second as BrainError).message).toMatch(/did not say when to try again; notes-rag waits another \d s before asking/)
      expect(gateway.requests.filter((request) => request.path === '/v1/chat/completions').length).toBe(chats)
    } finally {
      client.dispose()
    }
  })

  it('every recording in ../shared/sse/ is copied unchanged into test/fixtures/sse/recorded and replayed above', (context) => {
    if (!fs.existsSync(sharedSse)) {
      if (process.env.CI === 'true') throw new Error(`CI=true but ${sharedSse} is missing`)
      console.warn(`[gateway-recordings] ${sharedSse} is absent: the copies in test/fixtures/sse/recorded are replayed, not compared`)
      context.skip()
      return
    }
    const files = fs.readdirSync(sharedSse).filter((name) => name.endsWith('.txt'))
    expect(files.length).toBeGreaterThan(0)
    const replayed = new Set(REPLAY_CASES.map((replay) => path.basename(replay.file)))
    for (const name of files) {
      expect(fs.readFileSync(path.join(RECORDED_DIR, name)).equals(fs.readFileSync(path.join(sharedSse, name))), `${name} copied unchanged`).toBe(true)
      expect(replayed.has(name), `${name} has a replay case`).toBe(true)
    }
  })
})
