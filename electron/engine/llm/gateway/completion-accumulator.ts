import { readCompletionParts, readProviderError, type CompletionParts, type ProviderErrorData } from './completion-parts'
import { ThinkBlockSplitter } from './think-block-splitter'

/** Limits on what one answer may hold, so a runaway stream cannot fill memory. */
export interface AccumulatorLimits {
  maxTextChars: number
  maxReasoningChars: number
}

export interface AccumulatorCallbacks {
  onText?: (text: string) => void
  onReasoning?: (text: string) => void
}

/** Everything read from one completion, streamed or whole. */
export interface AccumulatedCompletion {
  text: string
  reasoning: string
  finishReason: string | null
  tokensIn: number | null
  tokensOut: number | null
  /** Names of the tools the model asked to call (null: a call without a name). */
  toolCalls: Array<string | null>
  error: ProviderErrorData | null
  /** `[DONE]` was seen. */
  done: boolean
  /** The client's own cap on text stopped reading. */
  cappedByClient: boolean
  /** Events that were not JSON. */
  malformed: number
  /** Events that parsed as completion chunks (or a whole completion). */
  recognized: number
}

/**
 * Folds completion chunks into one answer: text and reasoning kept apart (a leading `<think>` block included),
 * the finish reason, usage from whichever chunk carries it, tool calls, and the first provider error.
 */
export class CompletionAccumulator {
  private readonly splitter = new ThinkBlockSplitter()
  private readonly tools = new Map<number, string | null>()
  readonly state: AccumulatedCompletion = {
    text: '',
    reasoning: '',
    finishReason: null,
    tokensIn: null,
    tokensOut: null,
    toolCalls: [],
    error: null,
    done: false,
    cappedByClient: false,
    malformed: 0,
    recognized: 0,
  }

  constructor(
    private readonly limits: AccumulatorLimits,
    private readonly callbacks: AccumulatorCallbacks = {},
  ) {}

  /**
   * Takes one SSE event; returns true when reading should stop (`[DONE]`, an error, or the cap).
   * `event: error` carries its error in the data; any other event name is read as a chunk.
   */
  takeEvent(event: string | null, data: string): boolean {
    const trimmed = data.trim()
    if (trimmed === '[DONE]') {
      this.state.done = true
      return true
    }
    if (trimmed === '') return false
    let value: unknown
    try {
      value = JSON.parse(trimmed)
    } catch {
      if (event === 'error') {
        // A plain-text error event still says what went wrong.
        this.state.error ??= { message: trimmed, code: null, type: null, upstream: null }
        return true
      }
      this.state.malformed += 1
      return false
    }
    if (event === 'error') {
      this.state.error ??= readProviderError(value, true) ?? { message: trimmed.slice(0, 500), code: null, type: null, upstream: null }
      return true
    }
    return this.takeValue(value)
  }

  /** Takes one parsed chunk or a whole completion body. */
  takeValue(value: unknown): boolean {
    const parts = readCompletionParts(value)
    if (parts.recognized || parts.usage || parts.error) this.state.recognized += 1
    this.apply(parts)
    return this.state.error !== null || this.state.cappedByClient
  }

  /** Flushes a held-back partial tag at the end of the stream. */
  finish(): AccumulatedCompletion {
    const rest = this.splitter.end()
    this.addText(rest.text)
    this.addReasoning(rest.reasoning)
    this.state.toolCalls = [...this.tools.entries()].sort((a, b) => a[0] - b[0]).map(([, name]) => name)
    return this.state
  }

  private apply(parts: CompletionParts): void {
    if (parts.usage) {
      this.state.tokensIn = parts.usage.tokensIn ?? this.state.tokensIn
      this.state.tokensOut = parts.usage.tokensOut ?? this.state.tokensOut
    }
    if (parts.reasoning) this.addReasoning(parts.reasoning)
    if (parts.text) {
      const split = this.splitter.push(parts.text)
      this.addReasoning(split.reasoning)
      this.addText(split.text)
    }
    for (const call of parts.toolCalls) {
      const known = this.tools.get(call.index)
      this.tools.set(call.index, known ?? call.name)
    }
    if (parts.finishReason) this.state.finishReason = parts.finishReason
    if (parts.error && !this.state.error) this.state.error = parts.error
  }

  private addText(text: string): void {
    if (!text || this.state.cappedByClient) return
    const room = this.limits.maxTextChars - this.state.text.length
    const piece = text.length > room ? text.slice(0, Math.max(0, room)) : text
    if (piece) {
      this.state.text += piece
      this.callbacks.onText?.(piece)
    }
    if (text.length > room) this.state.cappedByClient = true
  }

  private addReasoning(text: string): void {
    if (!text) return
    const room = this.limits.maxReasoningChars - this.state.reasoning.length
    // Reasoning past its cap is dropped, not fatal: the answer may still come.
    const piece = text.length > room ? text.slice(0, Math.max(0, room)) : text
    if (piece) {
      this.state.reasoning += piece
      this.callbacks.onReasoning?.(piece)
    }
  }
}
