import type OpenAI from 'openai'
import { BrainError, isAbortError } from '../../../../shared/errors'
import type { Settings } from '../../../../shared/settings'
import type { ChatBackend, CompletionRequest, CompletionResult } from '../types'
import { toGatewayError } from './gateway-errors'
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
}

/** Rough but stable: the gateway's tokenizer is unknown here, and ~4 characters per token holds for English. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4)
}

interface StreamChunk {
  choices?: Array<{ delta?: { content?: string | null }; finish_reason?: string | null }>
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null
}

/** A gateway model (small or large) behind the ChatBackend interface; streams with SSE. */
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

    let text = ''
    let tokensIn: number | null = null
    let tokensOut: number | null = null
    let firstTokenMs: number | null = null
    let finished = false
    let malformedLines = 0
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
        throw toGatewayError(error, { timeoutMs })
      }
      if (!response.body) throw new BrainError('gateway-stream-broken', 'The gateway answered without a body', { retryable: true })
      if ((response.headers.get('content-type') ?? '').includes('application/json')) {
        // Some proxies ignore `stream: true` and send one whole completion; take it as a single delta.
        armIdle()
        const whole = (await response.json()) as {
          choices?: Array<{ message?: { content?: string | null }; finish_reason?: string | null }>
          usage?: { prompt_tokens?: number; completion_tokens?: number } | null
        }
        const content = whole.choices?.[0]?.message?.content ?? ''
        if (content.length > 0) {
          firstTokenMs = performance.now() - started
          text = content
          request.onDelta?.(content)
        }
        tokensIn = whole.usage?.prompt_tokens ?? null
        tokensOut = whole.usage?.completion_tokens ?? null
        this.host.reportSuccess()
        return result(false)
      }

      const reader = response.body.getReader()
      const lines = new SseLineReader()
      const take = (data: string): boolean => {
        if (data === '[DONE]') return true
        let chunk: StreamChunk
        try {
          chunk = JSON.parse(data) as StreamChunk
        } catch {
          // A garbled line is skipped: if the stream still ends properly the answer is whole.
          malformedLines += 1
          return false
        }
        if (chunk.usage) {
          tokensIn = chunk.usage.prompt_tokens ?? tokensIn
          tokensOut = chunk.usage.completion_tokens ?? tokensOut
        }
        for (const choice of chunk.choices ?? []) {
          const piece = choice.delta?.content ?? ''
          if (piece.length > 0) {
            if (firstTokenMs === null) firstTokenMs = performance.now() - started
            text += piece
            request.onDelta?.(piece)
          }
          if (choice.finish_reason) finished = true
        }
        return false
      }
      armIdle()
      let done = false
      try {
        while (!done) {
          const { value, done: ended } = await reader.read()
          if (ended) {
            for (const event of lines.end()) done = take(event.data) || done
            break
          }
          armIdle()
          for (const event of lines.push(value)) {
            if (take(event.data)) {
              done = true
              break
            }
          }
        }
      } catch (error) {
        if (request.signal?.aborted) return result(true)
        if (timedOut) {
          throw new BrainError('gateway-timeout', `The gateway stream stalled for ${timeoutMs} ms`, {
            retryable: true,
            cause: error,
            details: { timeoutMs, partialText: text },
          })
        }
        throw new BrainError('gateway-stream-broken', 'The gateway stream broke off mid-answer', {
          retryable: true,
          cause: error,
          details: { partialText: text, malformedLines },
        })
      } finally {
        if (done) void reader.cancel().catch(() => undefined)
      }
      if (!done && !finished) {
        throw new BrainError('gateway-stream-broken', 'The gateway stream ended before the answer was complete', {
          retryable: true,
          details: { partialText: text, malformedLines },
        })
      }
      this.host.reportSuccess()
      return result(false)
    } catch (error) {
      if (isAbortError(error) && request.signal?.aborted) return result(true)
      const mapped = toGatewayError(error, { timeoutMs })
      this.host.reportFailure(mapped)
      throw mapped
    } finally {
      clearTimeout(idleTimer)
      request.signal?.removeEventListener('abort', onAbort)
    }

    function result(aborted: boolean): CompletionResult {
      const price = settings.pricePerMillionInput > 0 || settings.pricePerMillionOutput > 0
      const cost =
        price && tokensIn !== null && tokensOut !== null
          ? (tokensIn * settings.pricePerMillionInput + tokensOut * settings.pricePerMillionOutput) / 1_000_000
          : null
      return { text, tokensIn, tokensOut, cost, timeToFirstTokenMs: firstTokenMs, aborted }
    }
  }

  dispose(): void {
    // Holds nothing of its own: the client owns the SDK instance.
  }
}

function emptyAborted(): CompletionResult {
  return { text: '', tokensIn: null, tokensOut: null, cost: null, timeToFirstTokenMs: null, aborted: true }
}
