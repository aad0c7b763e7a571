import type { Citation } from '../../shared/answer'
import { utcMsToIsoDate } from '../../shared/dates/calendar-date'
import { isFollowUp, rewriteFollowUp } from '../../electron/engine/llm/answer/follow-up-rewrite'
import { NOT_IN_NOTES, directMessages, toCitation, weekLabel, type Passage } from '../../electron/engine/llm/answer/grounded-prompt'
import { packPassages } from '../../electron/engine/llm/answer/pack-passages'
import type { ChatMessage } from '../../electron/engine/llm/types'
import type { ServiceUser } from '../auth/user-store'
import type { Queryable } from '../db/database'
import type { LoadedModel } from '../embedding/model-pool'
import type { DriftMonitor } from '../ops/drift-monitor'
import { searchNotes } from '../retrieval/note-search'
import { messageText, type ChatRequest } from './chat-request'

/** What the service answers, without asking a model, when a question is far from everything the notes cover. */
export const OUTSIDE_NOTES = 'Your question is outside what your notes cover.'
/** Passages retrieved before packing. */
export const RETRIEVED_PASSAGES = 8

/** A citation as the service returns it: where the passage is, and the week it belongs to. */
export interface ServiceCitation {
  n: number
  path: string
  startLine: number
  endLine: number
  week: string
  periodStart: string
  periodEnd: string
  headingPath: string[]
}

export type Grounding =
  /** Ask the upstream with these messages; `sources` are the numbered passages in them. */
  | { kind: 'ask'; messages: ChatMessage[]; sources: Citation[]; promptTokens: number; question: string; retrievalMs: number }
  /** Answer with this text, no model needed. */
  | { kind: 'fixed'; text: string; reason: 'outside-notes' | 'no-passages'; question: string; retrievalMs: number }

export interface GroundingInput {
  db: Queryable
  user: ServiceUser
  request: ChatRequest
  model: LoadedModel | null
  drift: DriftMonitor
  contextTokens: number
  answerTokens: number
  now: () => Date
  signal?: AbortSignal
}

/** Same estimate as the desktop's gateway backend: about four characters per token. */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4)

/**
 * Turns a chat request into a grounded prompt over the user's notes, with the desktop's code: the follow-up rewrite,
 * the time-phrase parser (inside the search), the passage packing and the grounded prompt with numbered passages.
 */
export async function groundRequest(input: GroundingInput): Promise<Grounding> {
  const started = performance.now()
  const turns = input.request.messages.filter((message) => message.role === 'user' || message.role === 'assistant')
  const last = [...turns].reverse().find((message) => message.role === 'user')
  const question = last ? messageText(last.content).trim() : ''
  const history = turns.slice(0, turns.lastIndexOf(last!)).map((message) => ({ role: message.role as 'user' | 'assistant', content: messageText(message.content) }))
  const standalone = isFollowUp(question) ? rewriteFollowUp(question, history).query : question
  const today = utcMsToIsoDate(input.now().getTime())
  const model = input.model
  const result = await searchNotes(input.db, {
    userId: input.user.id,
    question: standalone,
    today,
    limit: RETRIEVED_PASSAGES,
    embedQuery: model ? (text) => model.embedder.embedQuery(text, input.signal) : null,
  })
  if (model && result.queryVector) {
    const baseline = input.drift.current(input.user.id, input.user.revision, model)
    if (baseline) {
      const seen = await input.drift.observe(input.user.id, baseline, result.queryVector, result)
      if (seen.outside && !result.period) return { kind: 'fixed', text: OUTSIDE_NOTES, reason: 'outside-notes', question, retrievalMs: performance.now() - started }
    }
  }
  if (result.hits.length === 0) return { kind: 'fixed', text: NOT_IN_NOTES, reason: 'no-passages', question, retrievalMs: performance.now() - started }

  const passages: Passage[] = result.hits.map((hit, index) => ({ n: index + 1, hit, text: hit.text, truncated: false }))
  const packed = await packPassages({
    countTokens: async (text) => estimateTokens(text),
    contextTokens: input.contextTokens,
    answerTokens: input.answerTokens,
    passages,
    build: (chosen) => directMessages(today, question, chosen),
    signal: input.signal,
  })
  const retrievalMs = performance.now() - started
  if (packed.passages.length === 0) return { kind: 'fixed', text: NOT_IN_NOTES, reason: 'no-passages', question, retrievalMs }
  return { kind: 'ask', messages: packed.messages, sources: packed.passages.map(toCitation), promptTokens: packed.promptTokens, question, retrievalMs }
}

export function toServiceCitation(source: Citation): ServiceCitation {
  return {
    n: source.n,
    path: source.path,
    startLine: source.startLine,
    endLine: source.endLine,
    week: weekLabel(source),
    periodStart: source.periodStart,
    periodEnd: source.periodEnd,
    headingPath: source.headingPath,
  }
}

/** The plain-text footer a chat UI shows (most do not read extra JSON fields). */
export function sourcesFooter(citations: ServiceCitation[]): string {
  if (citations.length === 0) return ''
  return `\n\nSources:\n${citations.map((citation) => `[${citation.n}] ${citation.path}:${citation.startLine}-${citation.endLine} (${citation.week})`).join('\n')}`
}
