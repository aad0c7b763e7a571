import type { ErrorData } from './errors'
import type { QueryPeriod } from './period'

/** Who produced an answer. `retrieval-only` means no model could answer: the passages are returned as is. */
export type AnswerBackend = 'local' | 'gateway' | 'retrieval-only'

/** Which backend the user asks for on one question; `auto` follows the routing policy setting. */
export type BackendChoice = 'auto' | 'local' | 'gateway'

export interface ChatTurn {
  role: 'user' | 'assistant'
  content: string
}

export interface AskRequest {
  /** Chosen by the caller, so it can match the streamed `answer-delta` events to this answer. */
  answerId: string
  question: string
  /** Earlier turns of the conversation, oldest first; used to rewrite follow-ups into standalone queries. */
  history?: ChatTurn[]
  /** When set, the question and the answer are appended to this conversation. */
  conversationId?: string
  backend?: BackendChoice
  /** "Today" for time phrases, as an ISO date (tests pin it). */
  today?: string
  /** Passages to retrieve; for a pure time question, the weeks a retrieval-only answer lists (the CLI's --limit). */
  limit?: number
}

/** One week of a pure time question's retrieval-only answer, with the numbers of its sources. */
export interface AnswerWeek {
  label: string
  start: string
  end: string
  sources: number[]
}

/** A numbered passage given to the model; `[n]` in the answer refers to it. */
export interface Citation {
  n: number
  chunkId: string
  path: string
  headingPath: string[]
  startLine: number
  endLine: number
  periodStart: string
  periodEnd: string
  text: string
  /** The note's title (front-matter `title`, else its title heading), when it has one: sources are named by it. */
  title?: string
}

export type AnswerStrategy = 'direct' | 'map-reduce' | 'retrieval-only' | 'no-passages'

export interface AnswerMeta {
  backend: AnswerBackend
  model: string | null
  strategy: AnswerStrategy
  /** The query used for retrieval (the follow-up rewritten to stand alone). */
  standaloneQuery: string
  period: QueryPeriod | null
  timeToFirstTokenMs: number | null
  totalMs: number
  tokensIn: number | null
  tokensOut: number | null
  /** In the gateway's currency units, when it reports usage with a price. */
  cost: number | null
  /** Why the router did not use the preferred backend, when it did not. */
  fallbackReason: string | null
  /** What failed before the backend that answered (or before the retrieval-only answer), when something did. */
  fallbackError?: ErrorData | null
  aborted: boolean
  /** Why the question's time phrases were not (all) used as a filter, when they were not. */
  periodWarning?: string | null
  /** A pure time question answered retrieval-only: the weeks listed, in date order; null otherwise. */
  weeks?: AnswerWeek[] | null
  /** Weeks that matched beyond `weeks`. */
  moreWeeks?: number
  /** The provider's `finish_reason` as sent (`stop`, `length`, `content_filter`, …); null when none was sent. */
  finishReason?: string | null
  /** True when the answer was cut by a length limit (the provider's `length`, or notes-rag's own cap). */
  truncated?: boolean
  /** True when `text` holds a partial answer that broke off, followed by a labelled fallback. */
  partial?: boolean
}

/** Streamed while an answer is generated (`answer-delta` for the answer, `answer-reasoning-delta` for reasoning). */
export interface AnswerDelta {
  answerId: string
  text: string
}

/** The final, complete answer. `citations` are the passages the text cites; `sources` all passages given. */
export interface AnswerEnd {
  answerId: string
  text: string
  citations: Citation[]
  sources: Citation[]
  meta: AnswerMeta
  error: ErrorData | null
  /** The model's reasoning ("thinking"), kept apart from the answer; null or absent when it sent none. */
  reasoning?: string | null
}
