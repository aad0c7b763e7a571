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
  /** Counts a whole prompt with the backend's chat template (see promptCounter); default: the fixed overhead. */
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

/** Margin over a calibrated template overhead, for tokenizer merges where message texts meet the template. */
const CALIBRATION_MARGIN_TOKENS = 8
const calibrations = new WeakMap<ChatBackend, Promise<number | null>>()

/**
 * Counts a prompt as the backend will see it. When the backend can lay out its chat template exactly
 * (`countMessageTokens`, the local model), that is measured once per backend on a sample and kept as an overhead:
 * the exact count is too slow to call on every packing step. Otherwise the generous fixed overhead is used.
 */
export function promptCounter(backend: ChatBackend): (messages: ChatMessage[]) => Promise<number> {
  const exact = (backend as { countMessageTokens?: (messages: ChatMessage[]) => Promise<number> }).countMessageTokens
  const count = (text: string) => backend.countTokens(text)
  if (typeof exact !== 'function') return (messages) => countMessages(messages, count)
  let calibration = calibrations.get(backend)
  if (!calibration) {
    const sample: ChatMessage[] = [
      { role: 'system', content: 'Answer from the passages. Today is 2023-01-02.' },
      { role: 'user', content: '[1] 2023-W01 | logs/2023-W01.md:1-4\nWorked on the backup server.\n\nQuestion: What did I do?' },
    ]
    calibration = (async () => {
      let contents = 0
      for (const message of sample) contents += await count(message.content)
      return (await exact.call(backend, sample)) - contents
    })().catch(() => null)
    calibrations.set(backend, calibration)
  }
  const measured = calibration
  return async (messages) => {
    const overhead = await measured
    if (overhead === null) return countMessages(messages, count)
    let total = overhead + CALIBRATION_MARGIN_TOKENS + Math.max(0, messages.length - 2) * PER_MESSAGE_OVERHEAD_TOKENS
    for (const message of messages) total += await count(message.content)
    return total
  }
}

/**
 * Fits passages into the context: whole passages while they fit, then one truncated passage when room is left,
 * never more than contextTokens - answerTokens. The final prompt is counted as a whole, so tokenizer merges at
 * joins cannot push it over.
 */
export async function packPassages(input: PackInput): Promise<PackResult> {
  const budget = input.contextTokens - input.answerTokens
  const renumber = (list: Passage[]) => list.map((passage, index) => ({ ...passage, n: index + 1 }))
  const countWhole = input.countPrompt ?? ((messages: ChatMessage[]) => countMessages(messages, input.countTokens))
  const measure = async (list: Passage[]) => countWhole(input.build(renumber(list)))

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
  // Guard against a counter that is not additive over the parts.
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
