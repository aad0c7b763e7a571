import type OpenAI from 'openai'
import { BrainError, isAbortError } from '../../../../shared/errors'
import type { Settings } from '../../../../shared/settings'
import type { ChatBackend, CompletionRequest, CompletionResult } from '../types'
import type { AccumulatedCompletion } from './completion-accumulator'
import { readCompletionBody } from './completion-body'
import { CompletionCall } from './completion-call'
import { providerStreamError, toGatewayError } from './gateway-errors'
import { loadedOpenAiSdk } from './openai-sdk'

/** What a gateway backend needs from the client that made it (shared SDK instance, rate-limit gate, status). */
export interface GatewayBackendHost {
  /** The configured SDK client; rejects when the gateway is not configured or its URL is refused. */
  sdk(): Promise<OpenAI>
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

export { MAX_CHARS_PER_ANSWER_TOKEN, MAX_REASONING_CHARS } from './completion-call'

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
    if (request.signal?.aborted) return emptyAborted()
    this.host.checkRateLimit()
    const sdk = await this.host.sdk()
    const call = new CompletionCall(request, settings.requestTimeoutMs, this.model)
    try {
      const response = await this.send(sdk, call)
      if (response === null) return emptyAborted()
      const { state, aborted } = await readCompletionBody(response, call)
      return this.finish(state, settings, call.firstTokenMs, aborted)
    } catch (error) {
      if (isAbortError(error) && call.aborted) return this.finish(call.accumulator.finish(), settings, call.firstTokenMs, true)
      const mapped = call.failure(error)
      this.host.reportFailure(mapped)
      throw mapped
    } finally {
      call.dispose()
    }
  }

  dispose(): void {
    // Holds nothing of its own: the client owns the SDK instance.
  }

  /** Sends the streaming request; null when the caller stopped it before the answer began. */
  private async send(sdk: OpenAI, call: CompletionCall): Promise<Response | null> {
    const { request, timeoutMs } = call
    try {
      return await sdk.chat.completions
        .create(
          {
            model: this.model,
            messages: request.messages,
            max_tokens: request.maxTokens,
            temperature: request.temperature,
            stream: true,
            stream_options: { include_usage: true },
          },
          { signal: call.controller.signal, timeout: timeoutMs, maxRetries: 0 },
        )
        .asResponse()
    } catch (error) {
      if (call.aborted) return null
      if (isNotFound(error)) {
        // Saying what the gateway does offer turns "model not found" into something the user can fix.
        const models = await this.host.listModels(request.signal).catch(() => null)
        throw toGatewayError(error, { timeoutMs, model: this.model, models })
      }
      throw toGatewayError(error, { timeoutMs, model: this.model })
    }
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

/** An SDK APIError with HTTP 404 (the SDK is loaded: it made the request that threw). */
function isNotFound(error: unknown): boolean {
  const sdk = loadedOpenAiSdk()
  return sdk !== null && error instanceof sdk.APIError && error.status === 404
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

function emptyAborted(): CompletionResult {
  return { text: '', tokensIn: null, tokensOut: null, cost: null, timeToFirstTokenMs: null, aborted: true, reasoning: '', finishReason: null, truncated: false }
}
