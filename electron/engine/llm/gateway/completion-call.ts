import { BrainError } from '../../../../shared/errors'
import type { CompletionRequest } from '../types'
import { CompletionAccumulator } from './completion-accumulator'
import { toGatewayError } from './gateway-errors'

/**
 * Characters of answer read per requested token before the client stops reading: a gateway that ignores
 * `max_tokens` cannot stream forever. Real text runs ~4 characters a token, so 16 is a wide margin.
 */
export const MAX_CHARS_PER_ANSWER_TOKEN = 16
/** Reasoning can be long (and does not always count against `max_tokens`), but not unbounded. */
export const MAX_REASONING_CHARS = 512 * 1024

/**
 * The state of one gateway completion: its abort controller (the caller's signal and the body's idle timer both
 * end it), the accumulator its deltas go to, when the first token came, and how its failures read.
 */
export class CompletionCall {
  readonly controller = new AbortController()
  readonly accumulator: CompletionAccumulator
  firstTokenMs: number | null = null
  /** The idle timer fired: the body stalled for `timeoutMs`. */
  timedOut = false
  private readonly started = performance.now()
  private idleTimer: NodeJS.Timeout | undefined
  private readonly onAbort = () => this.controller.abort(this.request.signal?.reason)

  constructor(
    readonly request: CompletionRequest,
    readonly timeoutMs: number,
    readonly model: string,
  ) {
    this.accumulator = this.newAccumulator()
    request.signal?.addEventListener('abort', this.onAbort, { once: true })
  }

  /** The caller stopped the answer. */
  get aborted(): boolean {
    return this.request.signal?.aborted === true
  }

  /** The text read so far. */
  get partialText(): string {
    return this.accumulator.state.text
  }

  /** A fresh accumulator wired to the caller's callbacks (a body re-read as a whole JSON answer needs its own). */
  newAccumulator(): CompletionAccumulator {
    return new CompletionAccumulator(
      { maxTextChars: Math.max(4_096, this.request.maxTokens * MAX_CHARS_PER_ANSWER_TOKEN), maxReasoningChars: MAX_REASONING_CHARS },
      {
        onText: (piece) => {
          if (this.firstTokenMs === null) this.firstTokenMs = performance.now() - this.started
          this.request.onDelta?.(piece)
        },
        onReasoning: (piece) => this.request.onReasoningDelta?.(piece),
      },
    )
  }

  /** (Re)starts the idle timer; the SDK's timeout covers only the response headers, the body gets this one. */
  armIdle = (): void => {
    clearTimeout(this.idleTimer)
    this.idleTimer = setTimeout(() => {
      this.timedOut = true
      // A plain reason on purpose: a BrainError here would pass for the gateway's own error in `streamFailure`.
      this.controller.abort(new Error('idle timeout'))
    }, this.timeoutMs)
  }

  /** What a failure while reading the body amounts to: the partial text travels in the details. */
  streamFailure(error: unknown): BrainError {
    if (BrainError.is(error)) {
      return new BrainError(error.code, error.message, { retryable: error.retryable, cause: error, details: { ...error.details, partialText: this.partialText } })
    }
    if (this.timedOut) return this.stalled(error)
    return new BrainError('gateway-stream-broken', 'The gateway stream broke off mid-answer', {
      retryable: true,
      cause: error,
      details: { partialText: this.partialText, malformedLines: this.accumulator.state.malformed },
    })
  }

  /** The typed error any failure of the call ends as (the one reported to the client's status). */
  failure(error: unknown): BrainError {
    return this.timedOut && !BrainError.is(error) ? this.stalled(error) : toGatewayError(error, { timeoutMs: this.timeoutMs, model: this.model })
  }

  dispose(): void {
    clearTimeout(this.idleTimer)
    this.request.signal?.removeEventListener('abort', this.onAbort)
  }

  private stalled(cause: unknown): BrainError {
    return new BrainError('gateway-timeout', `The gateway stream stalled for ${this.timeoutMs} ms`, {
      retryable: true,
      cause,
      details: { timeoutMs: this.timeoutMs, partialText: this.partialText },
    })
  }
}
