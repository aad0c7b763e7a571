import OpenAI, { APIError } from 'openai'
import { BrainError, isAbortError } from '../../../../shared/errors'
import type { Settings } from '../../../../shared/settings'
import type { ChatBackend, CompletionRequest, CompletionResult } from '../types'
import { CompletionAccumulator, type AccumulatedCompletion } from './completion-accumulator'
import { providerStreamError, toGatewayError } from './gateway-errors'
import { SseLineReader } from './sse-lines'

/** What a gateway backend needs from the client that made it (shared SDK instance, rate-limit gate, status). */
export interface GatewayBackendHost {
  /** The configured SDK client; throws when the gateway is not configured or its URL is refused. */
  sdk(): OpenAI
  settings(): Settings['gateway']
  /** Throws `gateway-rate-limited` while a Retry-After is pending, without touching the network. */
  checkRateLimit(): void
  reportSuccess(): void
  reportFailure(error: BrainError): void
  /** The gateway's /models, to say what it offers when a model is not found; null when it cannot be read. */
  listModels(signal?: AbortSignal): Promise<string[] | null>
}

/** Rough but stable: the gateway's tokenizer is unknown here, and ~4 characters per token holds for English. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4)
}

/**
 * Characters of answer read per requested token before the client stops reading: a gateway that ignores
 * `max_tokens` cannot stream forever. Real text runs ~4 characters a token, so 16 is a wide margin.
 */
export const MAX_CHARS_PER_ANSWER_TOKEN = 16
/** Reasoning can be long (and does not always count against `max_tokens`), but not unbounded. */
export const MAX_REASONING_CHARS = 512 * 1024

/**
 * A gateway model (small or large) behind the ChatBackend interface.
 *
 * The request goes through the official `openai` SDK (auth, base URL, typed HTTP errors, headers timeout); the
 * body is read by a small tolerant reader rather than the SDK's `Stream`, because real providers send what the
 * SDK's iterator cannot hand over: array content parts, reasoning fields, an error inside a chunk after partial
 * text, `event: error` after HTTP 200, or one whole JSON completion to a streaming request.
 */
export class GatewayChatBackend implements ChatBackend {
  readonly kind = 'gateway' as const

  constructor(
    private readonly host: GatewayBackendHost,
    readonly model: string,
    readonly contextTokens: number,
  ) {}

  async countTokens(text: string): Promise<number> {
    return estimateTokens(text)
  }

  async complete(request: CompletionRequest): Promise<CompletionResult> {
    const settings = this.host.settings()
    const timeoutMs = settings.requestTimeoutMs
    const started = performance.now()
    if (request.signal?.aborted) return emptyAborted()
    this.host.checkRateLimit()
    const sdk = this.host.sdk()

    // The SDK's timeout covers only the response headers; the body gets an idle timer below.
    const controller = new AbortController()
    let timedOut = false
    const onAbort = () => controller.abort(request.signal?.reason)
    request.signal?.addEventListener('abort', onAbort, { once: true })
    let idleTimer: NodeJS.Timeout | undefined
    const armIdle = () => {
      clearTimeout(idleTimer)
      idleTimer = setTimeout(() => {
        timedOut = true
        controller.abort(new Error('idle timeout'))
      }, timeoutMs)
    }

    let firstTokenMs: number | null = null
    const newAccumulator = () =>
      new CompletionAccumulator(
        { maxTextChars: Math.max(4_096, request.maxTokens * MAX_CHARS_PER_ANSWER_TOKEN), maxReasoningChars: MAX_REASONING_CHARS },
        {
          onText: (piece) => {
            if (firstTokenMs === null) firstTokenMs = performance.now() - started
            request.onDelta?.(piece)
          },
          onReasoning: (piece) => request.onReasoningDelta?.(piece),
        },
      )
    const accumulator = newAccumulator()
    const partial = () => accumulator.state.text
    try {
      let response: Response
      try {
        response = await sdk.chat.completions
          .create(
            {
              model: this.model,
              messages: request.messages,
              max_tokens: request.maxTokens,
              temperature: request.temperature,
              stream: true,
              stream_options: { include_usage: true },
            },
            { signal: controller.signal, timeout: timeoutMs, maxRetries: 0 },
          )
          .asResponse()
      } catch (error) {
        if (request.signal?.aborted) return { ...emptyAborted(), timeToFirstTokenMs: null }
        if (error instanceof APIError && error.status === 404) {
          const models = await this.host.listModels(request.signal).catch(() => null)
          throw toGatewayError(error, { timeoutMs, model: this.model, models })
        }
        throw toGatewayError(error, { timeoutMs, model: this.model })
      }
      if (!response.body) throw new BrainError('gateway-stream-broken', 'The gateway answered without a body', { retryable: true })
      const contentType = (response.headers.get('content-type') ?? '').toLowerCase()
      armIdle()
      if (contentType.includes('json') && !contentType.includes('event-stream')) {
        // Some proxies ignore `stream: true` and send one whole completion.
        const raw = await readAll(response.body, armIdle)
        const state = this.readWholeBody(raw, accumulator)
        return this.finish(state, settings, firstTokenMs, false)
      }

      const reader = response.body.getReader()
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
          armIdle()
          if (rawStart !== null) {
            rawStart += decoder.decode(value, { stream: true })
            if (accumulator.state.recognized > 0 || rawStart.length > 1024 * 1024) rawStart = null
          }
          for (const event of lines.push(value)) {
            stop = accumulator.takeEvent(event.event, event.data)
            if (stop) break
          }
        }
      } catch (error) {
        if (request.signal?.aborted) return this.finish(accumulator.finish(), settings, firstTokenMs, true)
        if (BrainError.is(error)) {
          throw new BrainError(error.code, error.message, { retryable: error.retryable, cause: error, details: { ...error.details, partialText: partial() } })
        }
        if (timedOut) {
          throw new BrainError('gateway-timeout', `The gateway stream stalled for ${timeoutMs} ms`, {
            retryable: true,
            cause: error,
            details: { timeoutMs, partialText: partial() },
          })
        }
        throw new BrainError('gateway-stream-broken', 'The gateway stream broke off mid-answer', {
          retryable: true,
          cause: error,
          details: { partialText: partial(), malformedLines: accumulator.state.malformed },
        })
      } finally {
        if (stop) void reader.cancel().catch(() => undefined)
      }
      if (accumulator.state.recognized === 0 && rawStart !== null && rawStart.trim().startsWith('{')) {
        // JSON without a JSON content type (or pretty-printed over several lines): read it as a whole answer.
        return this.finish(this.readWholeBody(rawStart + decoder.decode(), newAccumulator()), settings, firstTokenMs, false)
      }
      const state = accumulator.finish()
      if (!state.error && !state.done && state.finishReason === null && !state.cappedByClient) {
        throw new BrainError('gateway-stream-broken', 'The gateway stream ended before the answer was complete', {
          retryable: true,
          details: { partialText: state.text, malformedLines: state.malformed },
        })
      }
      return this.finish(state, settings, firstTokenMs, false)
    } catch (error) {
      if (isAbortError(error) && request.signal?.aborted) return this.finish(accumulator.finish(), settings, firstTokenMs, true)
      const mapped =
        timedOut && !BrainError.is(error)
          ? new BrainError('gateway-timeout', `The gateway stream stalled for ${timeoutMs} ms`, { retryable: true, cause: error, details: { timeoutMs, partialText: partial() } })
          : toGatewayError(error, { timeoutMs, model: this.model })
      this.host.reportFailure(mapped)
      throw mapped
    } finally {
      clearTimeout(idleTimer)
      request.signal?.removeEventListener('abort', onAbort)
    }
  }

  dispose(): void {
    // Holds nothing of its own: the client owns the SDK instance.
  }

  private readWholeBody(raw: string, accumulator: CompletionAccumulator): AccumulatedCompletion {
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

  /** Turns what was read into a result, or the error it amounts to. */
  private finish(state: AccumulatedCompletion, settings: Settings['gateway'], firstTokenMs: number | null, aborted: boolean): CompletionResult {
    if (!aborted) {
      if (state.error) throw providerStreamError(state.error, state.text)
      if (state.text.trim() === '') throw noText(state)
      this.host.reportSuccess()
    }
    const price = settings.pricePerMillionInput > 0 || settings.pricePerMillionOutput > 0
    const cost =
      price && state.tokensIn !== null && state.tokensOut !== null
        ? (state.tokensIn * settings.pricePerMillionInput + state.tokensOut * settings.pricePerMillionOutput) / 1_000_000
        : null
    return {
      text: state.text,
      reasoning: state.reasoning,
      tokensIn: state.tokensIn,
      tokensOut: state.tokensOut,
      cost,
      timeToFirstTokenMs: firstTokenMs,
      aborted,
      finishReason: state.finishReason,
      truncated: isLengthFinish(state.finishReason) || state.cappedByClient,
    }
  }
}

/** `length` is OpenAI's word; Anthropic-style proxies pass `max_tokens` through. */
export function isLengthFinish(reason: string | null): boolean {
  return reason === 'length' || reason === 'max_tokens' || reason === 'model_length'
}

function noText(state: AccumulatedCompletion): BrainError {
  let why: string
  if (state.toolCalls.length > 0) {
    const names = state.toolCalls.map((name) => name ?? 'unnamed').join(', ')
    why = `it asked to call ${state.toolCalls.length === 1 ? 'a tool' : `${state.toolCalls.length} tools`} (${names}), and notes-rag offers none`
  } else if (isLengthFinish(state.finishReason)) {
    why = state.reasoning ? 'it used its whole length limit on reasoning' : 'it reached its length limit before any text'
  } else if (state.finishReason === 'content_filter') {
    why = "the provider's content filter stopped it"
  } else if (state.reasoning) {
    why = 'it sent only reasoning'
  } else {
    why = state.finishReason ? `finish_reason "${state.finishReason}"` : 'the stream held no answer'
  }
  return new BrainError('gateway-no-text', `The model returned no text: ${why}`, {
    details: { finishReason: state.finishReason, toolCalls: state.toolCalls, reasoningChars: state.reasoning.length },
  })
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

function emptyAborted(): CompletionResult {
  return { text: '', tokensIn: null, tokensOut: null, cost: null, timeToFirstTokenMs: null, aborted: true, reasoning: '', finishReason: null, truncated: false }
}
