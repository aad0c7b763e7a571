import { describe, expect, it } from 'vitest'
import { CompletionAccumulator } from '../../../../../electron/engine/llm/gateway/completion-accumulator'
import { normalizeErrorBody } from '../../../../../electron/engine/llm/gateway/error-body'
import { readCompletionParts, readContent, readProviderError } from '../../../../../electron/engine/llm/gateway/completion-parts'
import { SseLineReader } from '../../../../../electron/engine/llm/gateway/sse-lines'
import { ThinkBlockSplitter } from '../../../../../electron/engine/llm/gateway/think-block-splitter'

const encoder = new TextEncoder()

function readAll(text: string, cuts: number[] = []): Array<{ event: string | null; data: string }> {
  const reader = new SseLineReader()
  const bytes = encoder.encode(text)
  const events = []
  let start = 0
  for (const cut of [...cuts, bytes.length]) {
    events.push(...reader.push(bytes.slice(start, cut)))
    start = cut
  }
  events.push(...reader.end())
  return events.map(({ event, data }) => ({ event, data }))
}

describe('SseLineReader on what real gateways send', () => {
  it('keeps event names (Groq sends event: error after HTTP 200)', () => {
    expect(readAll('data: {"a":1}\n\nevent: error\ndata: {"error":{"message":"x"}}\n\n')).toEqual([
      { event: null, data: '{"a":1}' },
      { event: 'error', data: '{"error":{"message":"x"}}' },
    ])
  })

  it('reads a lone \\r as a line end, also when \\r and \\n are cut apart', () => {
    const text = 'data: one\r\rdata: two\r\n\r\ndata: three\r\r'
    const expected = ['one', 'two', 'three']
    for (let cut = 1; cut < text.length; cut += 1) {
      expect(readAll(text, [cut]).map((event) => event.data), `cut at ${cut}`).toEqual(expected)
    }
  })

  it('drops a byte-order mark and comments anywhere, including between the lines of one event', () => {
    expect(readAll('\ufeff: hello\n\ndata: {"a":\n: keep-alive\ndata: 1}\n\n: OPENROUTER PROCESSING\n\ndata: [DONE]\n\n').map((event) => event.data)).toEqual(['{"a":\n1}', '[DONE]'])
  })

  it('takes bare JSON lines (newline-delimited JSON without data:) as events', () => {
    expect(readAll('{"choices":[]}\n{"choices":[{"delta":{"content":"x"}}]}\n').map((event) => event.data)).toEqual(['{"choices":[]}', '{"choices":[{"delta":{"content":"x"}}]}'])
  })

  it('ignores id: and retry: fields', () => {
    expect(readAll('id: 7\nretry: 1000\ndata: x\n\n').map((event) => event.data)).toEqual(['x'])
  })
})

describe('ThinkBlockSplitter', () => {
  const cases: Array<[string, string, string]> = [
    ['<think>\nplan it</think>\n\nThe answer.', 'The answer.', '\nplan it'],
    ['  \n<think>a</think>b', 'b', 'a'],
    ['No thinking here.', 'No thinking here.', ''],
    ['An answer that mentions <think> later.', 'An answer that mentions <think> later.', ''],
    ['<thinking is a word', '<thinking is a word', ''],
    ['<think>never closed', '', 'never closed'],
    ['<think></think>', '', ''],
    ['<th', '<th', ''],
    ['\n\nHello', '\n\nHello', ''],
  ]
  it.each(cases)('%j at every cut', (input, text, reasoning) => {
    for (let cut = 0; cut <= input.length; cut += 1) {
      const splitter = new ThinkBlockSplitter()
      const parts = [splitter.push(input.slice(0, cut)), splitter.push(input.slice(cut)), splitter.end()]
      expect(parts.map((part) => part.text).join(''), `cut at ${cut}`).toBe(text)
      expect(parts.map((part) => part.reasoning).join(''), `cut at ${cut}`).toBe(reasoning)
    }
  })

  it('streams reasoning as it comes instead of holding it to the end', () => {
    const splitter = new ThinkBlockSplitter()
    splitter.push('<think>')
    expect(splitter.push('first thoughts')).toEqual({ text: '', reasoning: 'first thoughts' })
    expect(splitter.push(' more </thi')).toEqual({ text: '', reasoning: ' more ' })
    expect(splitter.push('nk>Answer')).toEqual({ text: 'Answer', reasoning: '' })
  })
})

describe('readContent and readCompletionParts', () => {
  it.each([
    ['a string', 'plain', { text: 'plain', reasoning: '' }],
    ['null', null, { text: '', reasoning: '' }],
    ['text parts', [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }], { text: 'ab', reasoning: '' }],
    ['a Mistral thinking part', [{ type: 'thinking', thinking: [{ type: 'text', text: 'Okay' }] }], { text: '', reasoning: 'Okay' }],
    ['a thinking part with a string', [{ type: 'thinking', thinking: 'hmm' }], { text: '', reasoning: 'hmm' }],
    ['output_text parts', [{ type: 'output_text', text: 'x' }], { text: 'x', reasoning: '' }],
    ['an image part', [{ type: 'image_url', image_url: { url: 'data:' } }], { text: '', reasoning: '' }],
  ])('%s', (_name, content, expected) => {
    expect(readContent(content)).toEqual(expected)
  })

  it('takes one reasoning field, not the same text twice (OpenRouter sends reasoning and reasoning_details)', () => {
    const parts = readCompletionParts({ choices: [{ index: 0, delta: { content: '', reasoning: 'This', reasoning_details: [{ type: 'reasoning.text', text: 'This' }] } }] })
    expect(parts.reasoning).toBe('This')
    const details = readCompletionParts({ choices: [{ delta: { reasoning_details: [{ type: 'reasoning.summary', summary: 'S' }, { type: 'reasoning.encrypted', data: 'xx' }] } }] })
    expect(details.reasoning).toBe('S')
  })

  it('reads usage wherever it is, including input/output token names', () => {
    expect(readCompletionParts({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 4 } }).usage).toEqual({ tokensIn: 3, tokensOut: 4 })
    expect(readCompletionParts({ usage: { input_tokens: 5, output_tokens: 6 } }).usage).toEqual({ tokensIn: 5, tokensOut: 6 })
    expect(readCompletionParts({ choices: [], usage: null }).usage).toBeNull()
  })

  it('reads Ollama-style bodies with message and done', () => {
    const parts = readCompletionParts({ model: 'qwen', message: { role: 'assistant', content: 'hi' }, done: true })
    expect(parts).toMatchObject({ text: 'hi', finishReason: 'stop', recognized: true })
  })

  it.each([
    ['an object', { error: { code: 400, message: 'Token limit reached' } }, false, { message: 'Token limit reached', code: 400, type: null, upstream: null }],
    ['a string', { error: 'overloaded' }, false, { message: 'overloaded', code: null, type: null, upstream: null }],
    ['metadata.raw', { error: { code: 429, message: 'Provider returned error', metadata: { raw: { detail: 'RESOURCE_EXHAUSTED' } } } }, false, { message: 'Provider returned error', code: 429, type: null, upstream: '{"detail":"RESOURCE_EXHAUSTED"}' }],
    ['a bare event: error body', { message: 'bad', code: 'x' }, true, { message: 'bad', code: 'x', type: null, upstream: null }],
    ['no error', { choices: [] }, false, null],
  ])('readProviderError: %s', (_name, value, bare, expected) => {
    expect(readProviderError(value, bare)).toEqual(expected)
  })
})

describe('CompletionAccumulator limits', () => {
  it('stops taking text at its cap and says it was capped by the client', () => {
    const seen: string[] = []
    const accumulator = new CompletionAccumulator({ maxTextChars: 10, maxReasoningChars: 4 }, { onText: (text) => seen.push(text) })
    const chunk = (content: string) => JSON.stringify({ choices: [{ delta: { content, reasoning_content: 'rrr' } }] })
    expect(accumulator.takeEvent(null, chunk('12345678'))).toBe(false)
    expect(accumulator.takeEvent(null, chunk('90abc'))).toBe(true)
    const state = accumulator.finish()
    expect(state.text).toBe('1234567890')
    expect(seen.join('')).toBe('1234567890')
    expect(state.cappedByClient).toBe(true)
    expect(state.reasoning).toBe('rrrr')
  })

  it('counts garbled events and ignores keep-alive data', () => {
    const accumulator = new CompletionAccumulator({ maxTextChars: 100, maxReasoningChars: 100 })
    accumulator.takeEvent(null, '{not json')
    accumulator.takeEvent(null, '')
    accumulator.takeEvent('ping', '{}')
    expect(accumulator.finish()).toMatchObject({ malformed: 1, text: '' })
  })

  it('an event: error with a plain-text body still carries the message', () => {
    const accumulator = new CompletionAccumulator({ maxTextChars: 100, maxReasoningChars: 100 })
    expect(accumulator.takeEvent('error', 'upstream timed out')).toBe(true)
    expect(accumulator.finish().error?.message).toBe('upstream timed out')
  })
})

describe('normalizeErrorBody', () => {
  it.each([
    ['a Gemini array', '[{"error":{"code":429,"message":"m","status":"RESOURCE_EXHAUSTED"}}]', { error: { code: 429, message: 'm', status: 'RESOURCE_EXHAUSTED' } }],
    ['a FastAPI detail', '{"detail":"Not Found"}', { error: { message: 'Not Found' } }],
    ['a FastAPI validation detail', '{"detail":[{"loc":["body","model"],"msg":"field required"}]}', { error: { message: '[{"loc":["body","model"],"msg":"field required"}]' } }],
    ["vLLM's bare error object", '{"object":"error","message":"m","type":"NotFoundError","code":404}', { error: { message: 'm', code: 404, type: 'NotFoundError' } }],
    ['an error string', '{"error":"overloaded"}', { error: { message: 'overloaded' } }],
    ['a JSON string', '"bad gateway"', { error: { message: 'bad gateway' } }],
  ])('%s', (_name, body, expected) => {
    expect(JSON.parse(normalizeErrorBody(body)!)).toEqual(expected)
  })

  it.each([
    ['the OpenAI shape', '{"error":{"message":"m"}}'],
    ['plain text', 'upstream connect error'],
    ['an empty body', ''],
  ])('leaves %s alone', (_name, body) => {
    expect(normalizeErrorBody(body)).toBeNull()
  })
})

describe('other conventions', () => {
  it('a leading <thought> (Gemini) or <thinking> block is reasoning too', () => {
    for (const tag of ['thought', 'thinking']) {
      const splitter = new ThinkBlockSplitter()
      const parts = [splitter.push(`<${tag}>plan</`), splitter.push(`${tag}>Answer`), splitter.end()]
      expect(parts.map((part) => part.text).join('')).toBe('Answer')
      expect(parts.map((part) => part.reasoning).join('')).toBe('plan')
    }
  })

  it('legacy chunks with choice.text are read as text', () => {
    expect(readCompletionParts({ choices: [{ index: 0, text: 'hello', finish_reason: null }] }).text).toBe('hello')
  })
})
