import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { estimateTokens } from '../../support/fake-gateway'
import { indexNotes, weeklyCorpus, type IndexedNotes } from '../../support/indexed-notes'
import { startTestService, type TestService } from '../../support/notes-rag-service-fixture'

let notes: IndexedNotes
const services: TestService[] = []

beforeAll(async () => {
  notes = await indexNotes(weeklyCorpus(6))
}, 300_000)

afterAll(async () => {
  for (const service of services) await service.close()
  await notes?.cleanup()
})

async function syncedService(options: Parameters<typeof startTestService>[0]): Promise<{ service: TestService; openai: OpenAI }> {
  const service = await startTestService(options)
  services.push(service)
  await notes.syncService(service.url, service.token).syncNow({ dryRun: false })
  return { service, openai: new OpenAI({ baseURL: service.url, apiKey: service.token, maxRetries: 0 }) }
}

const ask = (openai: OpenAI, question: string) => openai.chat.completions.create({ model: 'notes-rag', messages: [{ role: 'user', content: question }] })
const getJson = async (service: TestService, path: string) => (await fetch(`${service.url}${path}`, { headers: { authorization: `Bearer ${service.token}` } })).json()
const metricsText = async (service: TestService) => (await fetch(`${service.url.replace(/\/v1$/, '')}/metrics`)).text()

describe('operations', { timeout: 180_000 }, () => {
  it('rate limits each user per minute with 429 and Retry-After, shared through the database', async () => {
    const { service, openai } = await syncedService({ now: () => new Date('2023-05-02T12:00:10Z'), config: { rateLimit: { chatPerMinute: 2 } } })
    await ask(openai, 'kubernetes cluster upgrade')
    await ask(openai, 'budget report')
    const refused = await ask(openai, 'backup job').catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError)
    const error = refused as InstanceType<typeof OpenAI.RateLimitError>
    expect(error.headers?.get('retry-after')).toBe('50')
    expect(error.message).toMatch(/More than 2 chat requests in a minute/)
    // Another user has a budget of their own.
    const { createUser } = await import('../../../server/auth/user-store')
    const { token } = await createUser(service.service.db, 'bob')
    await expect(new OpenAI({ baseURL: service.url, apiKey: token, maxRetries: 0 }).models.list()).resolves.toBeDefined()
    expect(await metricsText(service)).toMatch(/notes_rag_rate_limited_total\{user="alice",bucket="chat"\} 1/)
  })

  it('records latency, tokens and cost on /metrics and the usage endpoint', async () => {
    const { service, openai } = await syncedService({ config: { rateLimit: { chatPerMinute: 0 } } })
    const stream = await openai.chat.completions.create({ model: 'notes-rag', stream: true, messages: [{ role: 'user', content: 'When did I fix the backup job?' }] })
    for await (const _chunk of stream) {
      // drain
    }
    const sent = service.upstream.chatRequests().at(-1)!.body!
    const promptTokens = estimateTokens(sent.messages.map((message) => message.content).join(''))
    const completionTokens = estimateTokens('From your notes: Fixed the backup job on the storage server. [1]')
    const text = await metricsText(service)
    expect(text).toContain(`notes_rag_tokens_total{user="alice",model="small-model",direction="prompt"} ${promptTokens}`)
    expect(text).toContain(`notes_rag_tokens_total{user="alice",model="small-model",direction="completion"} ${completionTokens}`)
    expect(text).toMatch(/notes_rag_chat_ttft_seconds_count\{model="small-model"\} 1/)
    expect(text).toMatch(/notes_rag_chat_duration_seconds_count\{model="small-model",outcome="ok"\} 1/)
    expect(text).toMatch(/notes_rag_retrieval_seconds_count 1/)
    const cost = (promptTokens * 1 + completionTokens * 2) / 1e6
    const usage = await getJson(service, '/usage?days=1')
    expect(usage.totals).toMatchObject({ requests: 1, tokensIn: promptTokens, tokensOut: completionTokens })
    expect(usage.totals.cost).toBeCloseTo(cost, 12)
    expect(usage.models[0].latencyMs.timeToFirstTokenP50).toBeGreaterThan(0)
  })

  it('detects drift when the queries move away from what the notes cover, on /metrics and /v1/status', async () => {
    const { service, openai } = await syncedService({ config: { rateLimit: { chatPerMinute: 0 }, drift: { windowQueries: 20, minQueries: 10, alpha: 0.01 } } })
    const inScope = [
      'database migration to postgres', 'slow search query index', 'kubernetes cluster upgrade', 'outage incident report',
      'marketing launch with sales', 'budget report review', 'backup job on the storage server', 'disk in the laptop',
      'hiring round candidates', 'onboarding workshop', 'roadmap at the conference', 'demo slides',
    ]
    // The corpus side of the test is built after a sync, in the background; the status page waits for it.
    expect((await getJson(service, '/status')).drift).toMatchObject({ queries: 0, alert: false })
    for (const question of inScope) await ask(openai, question)
    const calm = await getJson(service, '/status')
    expect(calm.drift).toMatchObject({ queries: 12, alert: false })
    expect(calm.drift.pValue).toBeGreaterThan(0.01)
    expect(await metricsText(service)).toMatch(/notes_rag_drift_alert\{user="alice"\} 0/)

    const shifted = [
      'chocolate cake recipe', 'guitar and piano concert', 'tennis and golf on the beach', 'pizza pasta and wine',
      'museum gallery painting', 'banana orange grape lemon', 'soccer football basketball', 'hike in the forest with a dog',
      'bread butter honey cheese', 'movie film series episode', 'snowboard ski winter holiday', 'coffee tea milk sugar',
      'poem novel podcast', 'chicken soup salad rice', 'yoga swim sleep', 'wedding birthday party', 'camping mountain river',
      'vegetarian vegan cookie', 'baseball chess cook', 'apple cheese egg pepper',
    ]
    for (const question of shifted) await ask(openai, question)
    const drifted = await getJson(service, '/status')
    expect(drifted.drift).toMatchObject({ queries: 20, alert: true })
    expect(drifted.drift.pValue).toBeLessThan(0.01)
    expect(drifted.drift.message).toMatch(/drifted/)
    expect(await metricsText(service)).toMatch(/notes_rag_drift_alert\{user="alice"\} 1/)
    expect(await metricsText(service)).toMatch(/notes_rag_outside_notes_total\{user="alice"\} [1-9]/)
  })
})
