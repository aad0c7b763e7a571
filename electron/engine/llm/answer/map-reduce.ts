import { throwIfAborted } from '../../../../shared/errors'
import type { ChatBackend, ChatMessage, CompletionResult } from '../types'
import { formatPassage, systemPrompt, type Passage } from './grounded-prompt'
import { countMessages, packPassages, promptCounter } from './pack-passages'

/** One partial summary: the weeks it covers and what the model wrote about them. */
export interface WeekSummary {
  firstWeek: string
  lastWeek: string
  text: string
}

export interface MapReduceInput {
  backend: ChatBackend
  question: string
  today: string
  /** Every passage of the range, numbered globally, in date order. */
  passages: Passage[]
  answerTokens: number
  /** Tokens for each partial summary. */
  summaryTokens: number
  temperature: number
  onDelta: (text: string) => void
  signal?: AbortSignal
}

export interface MapReduceOutcome {
  text: string
  /** Model calls made: map calls, intermediate reduces and the final answer. */
  calls: number
  groups: number
  usage: CompletionResult[]
  aborted: boolean
  timeToFirstTokenMs: number | null
}

const MAP_INSTRUCTION = 'Summarise briefly, week by week, what these passages say about the question, keeping [n] citations.'

const REDUCE_INSTRUCTION = 'Combine these summaries of consecutive weeks into one answer in date order, keeping [n] citations.'

function mapMessages(today: string, question: string, passages: Passage[]): ChatMessage[] {
  return [
    { role: 'system', content: `${systemPrompt(today)}\n${MAP_INSTRUCTION}` },
    { role: 'user', content: `${passages.map(formatPassage).join('\n\n')}\n\nQuestion: ${question}` },
  ]
}

function reduceMessages(today: string, question: string, summaries: WeekSummary[]): ChatMessage[] {
  const body = summaries
    .map((summary) => `${summary.firstWeek}..${summary.lastWeek}: ${summary.text.trim() || 'nothing relevant'}`)
    .join('\n\n')
  return [
    { role: 'system', content: `${systemPrompt(today)}\n${REDUCE_INSTRUCTION}` },
    { role: 'user', content: `${body}\n\nQuestion: ${question}` },
  ]
}

/**
 * Covers a range too long for one prompt: summarise groups of consecutive passages (map), then combine the
 * summaries (reduce), reducing in rounds when even the summaries do not fit. Passage numbers stay global so the
 * final answer's citations point at the right sources.
 */
export async function mapReduce(input: MapReduceInput): Promise<MapReduceOutcome> {
  const { backend, question, today, signal } = input
  const count = (text: string) => backend.countTokens(text)
  const usage: CompletionResult[] = []
  let calls = 0

  // Map: consecutive batches that each fit with the summary reserved.
  const summaries: WeekSummary[] = []
  let rest = input.passages
  while (rest.length > 0) {
    throwIfAborted(signal)
    const packed = await packWithNumbers(backend, input.summaryTokens, rest, (list) => mapMessages(today, question, list), signal)
    const taken = packed.length === 0 ? [await forceOne(backend, input.summaryTokens, rest[0], today, question)] : packed
    const result = await backend.complete({ messages: mapMessages(today, question, taken), maxTokens: input.summaryTokens, temperature: input.temperature, signal })
    calls += 1
    usage.push(result)
    if (result.aborted) return { text: '', calls, groups: summaries.length, usage, aborted: true, timeToFirstTokenMs: null }
    summaries.push({ firstWeek: weekOf(taken[0]), lastWeek: weekOf(taken[taken.length - 1]), text: result.text })
    rest = rest.slice(taken.length)
  }
  const groups = summaries.length

  // Reduce in rounds until all summaries fit one prompt with the answer reserved.
  const fits = async (list: WeekSummary[], reserve: number) =>
    (await countMessages(reduceMessages(today, question, list), count)) + reserve <= backend.contextTokens
  let level = summaries
  for (let round = 0; round < 8 && level.length > 1 && !(await fits(level, input.answerTokens)); round += 1) {
    throwIfAborted(signal)
    const next: WeekSummary[] = []
    let batch: WeekSummary[] = []
    for (const summary of level) {
      let item = summary
      while (!(await fits([item], input.summaryTokens)) && item.text.length > 40) item = shorten(item)
      if (batch.length > 0 && !(await fits([...batch, item], input.summaryTokens))) {
        next.push(batch.length === 1 ? batch[0] : await combine(batch))
        batch = []
      }
      batch.push(item)
    }
    if (batch.length > 0) next.push(batch.length === 1 ? batch[0] : await combine(batch))
    // No batch could hold two summaries: shorten them all so the next round makes progress.
    level = next.length >= level.length ? next.map(shorten) : next
  }

  async function combine(batch: WeekSummary[]): Promise<WeekSummary> {
    const result = await backend.complete({ messages: reduceMessages(today, question, batch), maxTokens: input.summaryTokens, temperature: input.temperature, signal })
    calls += 1
    usage.push(result)
    return { firstWeek: batch[0].firstWeek, lastWeek: batch[batch.length - 1].lastWeek, text: result.text }
  }

  // The final answer streams; a single summary that still does not fit is cut to the room left.
  const countPrompt = promptCounter(backend)
  let messages = reduceMessages(today, question, level)
  while ((await countPrompt(messages)) + input.answerTokens > backend.contextTokens && level.some((summary) => summary.text.length > 40)) {
    level = level.map(shorten)
    messages = reduceMessages(today, question, level)
  }
  const started = performance.now()
  let firstToken: number | null = null
  const final = await backend.complete({
    messages,
    maxTokens: input.answerTokens,
    temperature: input.temperature,
    signal,
    onDelta: (text) => {
      if (firstToken === null) firstToken = performance.now() - started
      input.onDelta(text)
    },
  })
  calls += 1
  usage.push(final)
  return { text: final.text, calls, groups, usage, aborted: final.aborted, timeToFirstTokenMs: firstToken }
}

async function packWithNumbers(
  backend: ChatBackend,
  reserve: number,
  passages: Passage[],
  build: (list: Passage[]) => ChatMessage[],
  signal?: AbortSignal,
): Promise<Passage[]> {
  // packPassages renumbers from 1; map calls keep the global numbers, so map the result back by position.
  const packed = await packPassages({
    countTokens: (text) => backend.countTokens(text),
    contextTokens: backend.contextTokens,
    answerTokens: reserve,
    passages,
    build: (list) => build(list.map((passage, index) => ({ ...passage, n: passages[index].n }))),
    countPrompt: promptCounter(backend),
    signal,
  })
  return packed.passages.map((passage, index) => ({ ...passage, n: passages[index].n }))
}

/** A lone passage too big even for an empty map prompt: cut it hard rather than stall. */
async function forceOne(backend: ChatBackend, reserve: number, passage: Passage, today: string, question: string): Promise<Passage> {
  let text = passage.text
  while (text.length > 16) {
    text = text.slice(0, Math.floor(text.length * 0.7))
    const cut = { ...passage, text, truncated: true }
    if ((await countMessages(mapMessages(today, question, [cut]), (value) => backend.countTokens(value))) + reserve <= backend.contextTokens) return cut
  }
  return { ...passage, text, truncated: true }
}

function shorten(summary: WeekSummary): WeekSummary {
  return { ...summary, text: summary.text.slice(0, Math.floor(summary.text.length * 0.7)) }
}

function weekOf(passage: Passage): string {
  return passage.hit.headingPath[0] || passage.hit.periodStart
}
