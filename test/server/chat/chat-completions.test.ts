import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultSettings } from '../../../shared/settings'
import { systemPrompt } from '../../../electron/engine/llm/answer/grounded-prompt'
import { GatewayClient } from '../../../electron/engine/llm/gateway/gateway-client'
import { OUTSIDE_NOTES } from '../../../server/chat/answer-over-notes'
import { indexNotes, weeklyCorpus, type IndexedNotes } from '../../support/indexed-notes'
import { startTestService, type TestService } from '../../support/notes-rag-service-fixture'

let notes: IndexedNotes
let service: TestService
let openai: OpenAI

beforeAll(async () => {
  notes = await indexNotes(weeklyCorpus(6))
  service = await startTestService({ now: () => new Date('2023-05-02T12:00:00Z'), config: { rateLimit: { chatPerMinute: 0 } } })
  await notes.syncService(service.url, service.token).syncNow({ dryRun: false })
  openai = new OpenAI({ baseURL: service.url, apiKey: service.token, maxRetries: 0 })
}, 300_000)

afterAll(async () => {
  await service?.close()
  await notes?.cleanup()
})

const lastChatBody = () => service.upstream.chatRequests().at(-1)!.body!

describe('POST /v1/chat/completions over the synced notes', { timeout: 120_000 }, () => {
  it('streams a grounded answer with citations to note path, lines and week', async () => {
    const stream = await openai.chat.completions.create({
      model: 'notes-rag',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'When did I migrate the database to Postgres?' }],
    })
    let text = ''
    let citations: Array<{ n: number; path: string; startLine: number; endLine: number; week: string }> = []
    let usage: OpenAI.CompletionUsage | null | undefined = null
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? ''
      const extra = chunk as unknown as { citations?: typeof citations }
      if (extra.citations) citations = extra.citations
      if (chunk.usage) usage = chunk.usage
    }
    expect(text).toMatch(/^From your notes: Migrated the database to Postgres 16\. \[1\]/)
    expect(citations).toHaveLength(1)
    expect(citations[0]).toMatchObject({ n: 1, path: 'weekly/2023-W10.md', week: '2023-W10 (2023-03-06 to 2023-03-12)' })
    expect(citations[0].startLine).toBeGreaterThanOrEqual(1)
    expect(text).toContain(`Sources:\n[1] weekly/2023-W10.md:${citations[0].startLine}-${citations[0].endLine} (2023-W10 (2023-03-06 to 2023-03-12))`)
    expect(usage?.prompt_tokens).toBeGreaterThan(0)

    const sent = lastChatBody()
    expect(sent.model).toBe('small-model')
    expect(sent.messages[0]).toEqual({ role: 'system', content: systemPrompt('2023-05-02') })
    expect(sent.messages[1].content).toMatch(/^\[1\] 2023-W10 \(2023-03-06 to 2023-03-12\) \| weekly\/2023-W10\.md:\d+-\d+/)
    expect(sent.messages[1].content).toMatch(/Question: When did I migrate the database to Postgres\?$/)
  })

  it('answers without streaming, and reads time phrases the desktop way (only the weeks of March 2023)', async () => {
    const completion = await openai.chat.completions.create({ model: 'notes-rag', messages: [{ role: 'user', content: 'What did I do in March 2023?' }] })
    expect(completion.choices[0].message.content).toMatch(/\[1\]/)
    const prompt = lastChatBody().messages[1].content
    const cited = [...prompt.matchAll(/\| (weekly\/2023-W\d\d\.md):/g)].map((match) => match[1])
    expect(new Set(cited)).toEqual(new Set(['weekly/2023-W10.md', 'weekly/2023-W11.md', 'weekly/2023-W12.md', 'weekly/2023-W13.md']))
    expect((completion as unknown as { citations: Array<{ path: string }> }).citations[0].path).toMatch(/^weekly\/2023-W1[0-3]\.md$/)
  })

  it('sends a prompt above the threshold to the large model', async () => {
    const large = await startTestService({ config: { chat: { largeThresholdTokens: 20 } } })
    try {
      await notes.syncService(large.url, large.token).syncNow({ dryRun: false })
      const client = new OpenAI({ baseURL: large.url, apiKey: large.token, maxRetries: 0 })
      await client.chat.completions.create({ model: 'notes-rag', messages: [{ role: 'user', content: 'kubernetes cluster upgrade' }] })
      expect(large.upstream.chatRequests().at(-1)!.body!.model).toBe('large-model')
    } finally {
      await large.close()
    }
  })

  it('says a question is outside the notes without asking a model', async () => {
    // The drift baseline is built in the background after a sync; the status page waits for it.
    expect((await (await fetch(`${service.url}/status`, { headers: { authorization: `Bearer ${service.token}` } })).json()).drift.outsideThreshold).toEqual(expect.any(Number))
    const before = service.upstream.chatRequests().length
    const completion = await openai.chat.completions.create({ model: 'notes-rag', messages: [{ role: 'user', content: 'chocolate cookie recipe with butter and honey' }] })
    expect(completion.choices[0].message.content).toBe(OUTSIDE_NOTES)
    expect(service.upstream.chatRequests().length).toBe(before)
  })

  it('lists its models, and the desktop gateway client works against it unchanged', async () => {
    const models = await openai.models.list()
    expect(models.data.map((model) => model.id)).toEqual(['notes-rag', 'small', 'large'])
    const gateway = new GatewayClient({ settings: { ...defaultSettings().gateway, baseUrl: service.url }, token: service.token })
    try {
      const status = await gateway.probe()
      expect(status).toMatchObject({ type: 'reachable', models: ['notes-rag', 'small', 'large'] })
      const deltas: string[] = []
      const result = await gateway.backend('small').complete({
        messages: [
          { role: 'system', content: systemPrompt('2023-05-02') },
          { role: 'user', content: '[1] 2023-W11 | weekly/2023-W11.md:5-6\nShipped the kubernetes cluster upgrade.\n\nQuestion: What did I ship?' },
        ],
        maxTokens: 64,
        temperature: 0,
        onDelta: (text) => deltas.push(text),
      })
      // Already grounded by the desktop: forwarded to the small upstream model as it is.
      expect(result.text).toBe('From your notes: Shipped the kubernetes cluster upgrade. [1]')
      expect(deltas.join('')).toBe(result.text)
      expect(lastChatBody().model).toBe('small-model')
      expect(lastChatBody().messages[1].content).toContain('Question: What did I ship?')
    } finally {
      gateway.dispose()
    }
  })

  it('refuses a bad token and a bad body with the error shape clients read', async () => {
    const wrong = new OpenAI({ baseURL: service.url, apiKey: 'nrs_wrong-token-wrong-token', maxRetries: 0 })
    await expect(wrong.models.list()).rejects.toMatchObject({ status: 401 })
    const response = await fetch(`${service.url}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${service.token}`, 'content-type': 'application/json' }, body: '{"model":"notes-rag"}' })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: { code: 'invalid-request', message: expect.stringContaining('messages') } })
  })
})
