import type { ChatBackend, ChatMessage } from '../types'
import type { Passage } from './grounded-prompt'

/** Tokens a chat template adds around messages (role markers, separators); generous so packing never overflows. */
export const TEMPLATE_OVERHEAD_TOKENS = 24
export const PER_MESSAGE_OVERHEAD_TOKENS = 8
/** A passage cut shorter than this is not worth giving. */
export const MIN_TRUNCATED_TOKENS = 32

export interface PackInput {
  countTokens: (text: string) => Promise<number>
  contextTokens: number
  /** Reserved for the answer, always. */
  answerTokens: number
  /** Candidate passages in the order they should appear; numbers are reassigned 1..k. */
  passages: Passage[]
  /** Builds the messages for a given set of passages. */
  build: (passages: Passage[]) => ChatMessage[]
  /** The backend's exact count of a whole prompt with its chat template, when it has one; checks the result. */
  countPrompt?: (messages: ChatMessage[]) => Promise<number>
  signal?: AbortSignal
}

export interface PackResult {
  passages: Passage[]
  messages: ChatMessage[]
  /** Tokens of the messages, with template overhead, as the backend counts them. */
  promptTokens: number
  dropped: number
  truncated: number
}

/** Tokens of a message list as the model will see it. */
export async function countMessages(messages: ChatMessage[], countTokens: (text: string) => Promise<number>): Promise<number> {
  let total = TEMPLATE_OVERHEAD_TOKENS
  for (const message of messages) total += (await countTokens(message.content)) + PER_MESSAGE_OVERHEAD_TOKENS
  return total
}

/** A backend's exact prompt counter (the local model lays out its chat template), or the estimate with overhead. */
export function promptCounter(backend: ChatBackend): (messages: ChatMessage[]) => Promise<number> {
  const exact = (backend as { countMessageTokens?: (messages: ChatMessage[]) => Promise<number> }).countMessageTokens
  if (typeof exact === 'function') return (messages) => exact.call(backend, messages)
  return (messages) => countMessages(messages, (text) => backend.countTokens(text))
}

/**
 * Fits passages into the context: whole passages while they fit, then one truncated passage when room is left,
 * never more than contextTokens - answerTokens. The final prompt is counted as a whole, so tokenizer merges at
 * joins cannot push it over.
 */
export async function packPassages(input: PackInput): Promise<PackResult> {
  const budget = input.contextTokens - input.answerTokens
  const renumber = (list: Passage[]) => list.map((passage, index) => ({ ...passage, n: index + 1 }))
  const measure = async (list: Passage[]) => countMessages(input.build(renumber(list)), input.countTokens)

  const chosen: Passage[] = []
  let truncated = 0
  for (const passage of input.passages) {
    if (input.signal?.aborted) break
    const whole = [...chosen, passage]
    if ((await measure(whole)) <= budget) {
      chosen.push(passage)
      continue
    }
    const cut = await truncateToFit(passage, chosen, budget, measure)
    if (cut) {
      chosen.push(cut)
      truncated += 1
    }
    break
  }
  // Guard against a tokenizer or chat template that counts the whole differently from the parts.
  const countWhole = input.countPrompt ?? ((messages: ChatMessage[]) => countMessages(messages, input.countTokens))
  let passages = renumber(chosen)
  let messages = input.build(passages)
  let promptTokens = await countWhole(messages)
  while (promptTokens > budget && passages.length > 0) {
    passages = renumber(passages.slice(0, -1))
    messages = input.build(passages)
    promptTokens = await countWhole(messages)
  }
  return { passages, messages, promptTokens, dropped: input.passages.length - passages.length, truncated }
}

async function truncateToFit(
  passage: Passage,
  before: Passage[],
  budget: number,
  measure: (list: Passage[]) => Promise<number>,
): Promise<Passage | null> {
  const base = await measure(before)
  const room = budget - base
  if (room < MIN_TRUNCATED_TOKENS) return null
  const full = await measure([...before, passage])
  // Start from the proportional cut, then shrink until it fits; a few tokenizer calls at most.
  let length = Math.floor(passage.text.length * Math.min(1, (room / Math.max(1, full - base)) * 0.95))
  for (let attempt = 0; attempt < 12 && length > 0; attempt += 1) {
    const cut: Passage = { ...passage, text: cutAtWord(passage.text, length), truncated: true }
    const tokens = await measure([...before, cut])
    if (tokens <= budget) return tokens - base >= MIN_TRUNCATED_TOKENS / 2 ? cut : null
    length = Math.floor(length * 0.85)
  }
  return null
}

function cutAtWord(text: string, length: number): string {
  if (length >= text.length) return text
  const slice = text.slice(0, length)
  const space = slice.lastIndexOf(' ')
  return space > length * 0.6 ? slice.slice(0, space) : slice
}
