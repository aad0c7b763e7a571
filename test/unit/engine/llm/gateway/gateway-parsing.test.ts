import { describe, expect, it } from 'vitest'
import { parseRetryAfter } from '../../../../../electron/engine/llm/gateway/gateway-errors'
import { checkGatewayUrl, isLoopbackHost } from '../../../../../electron/engine/llm/gateway/gateway-url'
import { SseLineReader } from '../../../../../electron/engine/llm/gateway/sse-lines'

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-26T12:00:00Z')
  it.each([
    ['5', 5000],
    ['0.5', 500],
    ['Thu, 26 Nov 2026 12:00:30 GMT', 30_000],
    ['Thu, 26 Nov 2026 11:00:00 GMT', 0],
    ['soon', null],
    ['', null],
    [null, null],
  ])('%s', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected)
  })
})

describe('checkGatewayUrl', () => {
  it.each([
    ['https://llm.homelab.lan/v1', false, 'ok'],
    ['http://127.0.0.1:8080/v1', false, 'ok'],
    ['http://localhost:8080/v1', false, 'ok'],
    ['http://[::1]:8080/v1', false, 'ok'],
    ['http://llm.homelab.lan/v1', false, 'gateway-insecure-url'],
    ['http://192.168.1.10/v1', false, 'gateway-insecure-url'],
    ['http://192.168.1.10/v1', true, 'ok'],
    ['ftp://llm.homelab.lan', true, 'invalid-input'],
    ['not a url', false, 'invalid-input'],
  ])('%s (allow insecure: %s)', (url, allow, expected) => {
    let outcome = 'ok'
    try {
      checkGatewayUrl(url, allow)
    } catch (error) {
      outcome = (error as { code: string }).code
    }
    expect(outcome).toBe(expected)
  })

  it('knows loopback hosts', () => {
    expect(isLoopbackHost('127.0.0.5')).toBe(true)
    expect(isLoopbackHost('example.com')).toBe(false)
  })
})

describe('SseLineReader', () => {
  it('joins data split across chunks, drops comments, handles CRLF and a final event without a blank line', () => {
    const reader = new SseLineReader()
    const encoder = new TextEncoder()
    const events = [
      ...reader.push(encoder.encode(': keep-alive\r\n\r\ndata: {"a"')),
      ...reader.push(encoder.encode(':1}\r\n\r\nevent: ping\ndata: line one\ndata: line two\n\n')),
      ...reader.push(encoder.encode('data: [DONE]')),
      ...reader.end(),
    ]
    expect(events.map((event) => event.data)).toEqual(['{"a":1}', 'line one\nline two', '[DONE]'])
  })

  it('decodes multi-byte characters cut between chunks', () => {
    const reader = new SseLineReader()
    const bytes = new TextEncoder().encode('data: caf\u00e9 \u2713\n\n')
    const events = [...reader.push(bytes.slice(0, 10)), ...reader.push(bytes.slice(10)), ...reader.end()]
    expect(events.map((event) => event.data)).toEqual(['caf\u00e9 \u2713'])
  })
})
