import type { Disposable } from '../../../shared/lifecycle'

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

export interface CompletionRequest {
  messages: ChatMessage[]
  maxTokens: number
  temperature: number
  signal?: AbortSignal
  /** Called with each piece of streamed text. */
  onDelta?: (text: string) => void
  /** Called with each piece of the model's reasoning, which never goes into `text`. */
  onReasoningDelta?: (text: string) => void
}

export interface CompletionResult {
  text: string
  tokensIn: number | null
  tokensOut: number | null
  /** When the backend reports a price. */
  cost: number | null
  timeToFirstTokenMs: number | null
  /** True when the signal stopped generation; `text` is then the partial answer. */
  aborted: boolean
  /** The model's reasoning, apart from the answer; empty when it sent none. */
  reasoning?: string
  /** The provider's finish reason as sent; null when it sent none. */
  finishReason?: string | null
  /** The answer was cut by a length limit (the provider's `length`, or the client's cap on what it reads). */
  truncated?: boolean
}

/** A model that can answer: the local node-llama-cpp model or the homelab gateway. */
export interface ChatBackend extends Disposable {
  readonly kind: 'local' | 'gateway'
  /** The model's display name (file name or gateway model id). */
  readonly model: string
  /** Context window in tokens. */
  readonly contextTokens: number
  /** Tokens of `text` with this model's tokenizer (the gateway estimates). */
  countTokens(text: string): Promise<number>
  complete(request: CompletionRequest): Promise<CompletionResult>
}
