import { BrainError } from '../../../../shared/errors'
import type { AccumulatedCompletion, CompletionAccumulator } from './completion-accumulator'
import type { CompletionCall } from './completion-call'
import { SseLineReader } from './sse-lines'

/** What was read from a completion's body; `aborted` when the caller stopped it midway. */
export interface ReadCompletion {
  state: AccumulatedCompletion
  aborted: boolean
}

/** Cap on the body kept aside in case a stream turns out to be one JSON answer. */
const MAX_RAW_START = 1024 * 1024

/**
 * Reads a completion's body into the call's accumulator: an SSE stream, or one whole JSON completion (some
 * proxies ignore `stream: true`, with or without a JSON content type). Throws typed errors for a body that broke
 * off, stalled or ended before the answer was complete.
 */
export async function readCompletionBody(response: Response, call: CompletionCall): Promise<ReadCompletion> {
  if (!response.body) throw new BrainError('gateway-stream-broken', 'The gateway answered without a body', { retryable: true })
  const contentType = (response.headers.get('content-type') ?? '').toLowerCase()
  call.armIdle()
  if (contentType.includes('json') && !contentType.includes('event-stream')) {
    const raw = await readAll(response.body, call.armIdle)
    return { state: readWholeBody(raw, call.accumulator), aborted: false }
  }
  return readStream(response.body, call)
}

async function readStream(body: ReadableStream<Uint8Array>, call: CompletionCall): Promise<ReadCompletion> {
  const { accumulator } = call
  const reader = body.getReader()
  const lines = new SseLineReader()
  // Kept only while nothing has been recognised, in case the body is JSON under another content type.
  let rawStart: string | null = ''
  const decoder = new TextDecoder()
  let stop = false
  try {
    while (!stop) {
      const { value, done: ended } = await reader.read()
      if (ended) {
        for (const event of lines.end()) if (!stop) stop = accumulator.takeEvent(event.event, event.data)
        break
      }
      call.armIdle()
      if (rawStart !== null) {
        rawStart += decoder.decode(value, { stream: true })
        if (accumulator.state.recognized > 0 || rawStart.length > MAX_RAW_START) rawStart = null
      }
      for (const event of lines.push(value)) {
        stop = accumulator.takeEvent(event.event, event.data)
        if (stop) break
      }
    }
  } catch (error) {
    if (call.aborted) return { state: accumulator.finish(), aborted: true }
    throw call.streamFailure(error)
  } finally {
    if (stop) void reader.cancel().catch(() => undefined)
  }
  if (accumulator.state.recognized === 0 && rawStart !== null && rawStart.trim().startsWith('{')) {
    // JSON without a JSON content type (or pretty-printed over several lines): read it as a whole answer.
    return { state: readWholeBody(rawStart + decoder.decode(), call.newAccumulator()), aborted: false }
  }
  const state = accumulator.finish()
  if (!state.error && !state.done && state.finishReason === null && !state.cappedByClient) {
    throw new BrainError('gateway-stream-broken', 'The gateway stream ended before the answer was complete', {
      retryable: true,
      details: { partialText: state.text, malformedLines: state.malformed },
    })
  }
  return { state, aborted: false }
}

function readWholeBody(raw: string, accumulator: CompletionAccumulator): AccumulatedCompletion {
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch (error) {
    throw new BrainError('gateway-stream-broken', 'The gateway sent a JSON answer that is not valid JSON', { retryable: true, cause: error, details: { partialText: '' } })
  }
  accumulator.takeValue(value)
  const state = accumulator.finish()
  // A whole body is complete by definition; `[DONE]` only exists in streams.
  state.done = true
  return state
}

async function readAll(body: ReadableStream<Uint8Array>, onChunk: () => void): Promise<string> {
  const decoder = new TextDecoder()
  let text = ''
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    onChunk()
    text += decoder.decode(chunk, { stream: true })
  }
  return text + decoder.decode()
}
