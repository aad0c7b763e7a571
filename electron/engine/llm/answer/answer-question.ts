import type { AnswerEnd, AnswerMeta, AnswerStrategy, AnswerWeek, AskRequest, Citation } from '../../../../shared/answer'
import { BrainError, isAbortError, toErrorData, type ErrorData, errorMessage } from '../../../../shared/errors'
import { weekGroupTitle, type SearchHit, type SearchOptions, type SearchResult } from '../../../../shared/search'
import type { Settings } from '../../../../shared/settings'
import { inclusiveDays } from '../../../../shared/dates/calendar-date'
import { withoutRepeatedLines } from '../../retrieval/repeated-lines'
import { AnswerRouter, type GatewayAccess } from '../router/route-answer'
import type { ChatBackend, CompletionResult } from '../types'
import { citationsIn } from './citations'
import { isFollowUp, rewriteFollowUp } from './follow-up-rewrite'
import { rewriteWithModel } from './model-rewrite'
import { NOT_IN_NOTES, directMessages, toCitation, weekLabel, type Passage } from './grounded-prompt'
import { mapReduce } from './map-reduce'
import { PER_MESSAGE_OVERHEAD_TOKENS, TEMPLATE_OVERHEAD_TOKENS, packPassages, promptCounter } from './pack-passages'

/** Everything the answer pipeline needs, injected so the engine passes its Searcher, local model and gateway. */
export interface AnswerDeps {
  search: (query: string, options: SearchOptions, signal?: AbortSignal) => Promise<SearchResult>
  /** Loads the local model (or returns the loaded one); null when none is set up. */
  loadLocal: ((signal?: AbortSignal) => Promise<ChatBackend>) | null
  gateway: GatewayAccess | null
  settings: Settings
  onDelta: (text: string) => void
  /** The model's reasoning, streamed apart from the answer. */
  onReasoningDelta?: (text: string) => void
  now?: () => Date
  /** Passages asked of the search for a normal question. */
  searchLimit?: number
}

/** A range spanning more days than this counts as a range question (every week should be covered). */
const RANGE_DAYS = 21
const DEFAULT_SEARCH_LIMIT = 12
const MAX_BACKEND_ATTEMPTS = 3

/** Answers a question from the notes: rewrite, retrieve, route, pack, generate (or map-reduce), cite. */
export async function answerQuestion(request: AskRequest, deps: AnswerDeps, signal?: AbortSignal): Promise<AnswerEnd> {
  const started = performance.now()
  const now = deps.now ?? (() => new Date())
  const today = request.today ?? now().toISOString().slice(0, 10)
  const settings = deps.settings
  const heuristic = rewriteFollowUp(request.question, request.history ?? [])
  const standalone = { query: heuristic.query }
  let firstDeltaAt: number | null = null
  let streamed = ''
  const emit = (text: string) => {
    if (text.length === 0) return
    if (firstDeltaAt === null) firstDeltaAt = performance.now()
    streamed += text
    deps.onDelta(text)
  }
  let reasoning = ''
  const emitReasoning = (text: string) => {
    if (text.length === 0) return
    reasoning += text
    deps.onReasoningDelta?.(text)
  }
  let partial = false
  const meta = (fields: Partial<AnswerMeta> & Pick<AnswerMeta, 'backend' | 'strategy'>): AnswerMeta => ({
    model: null,
    standaloneQuery: standalone.query,
    period: null,
    timeToFirstTokenMs: firstDeltaAt === null ? null : Math.round(firstDeltaAt - started),
    totalMs: Math.round(performance.now() - started),
    tokensIn: null,
    tokensOut: null,
    cost: null,
    fallbackReason: null,
    aborted: false,
    periodWarning: null,
    weeks: null,
    moreWeeks: 0,
    ...fields,
  })
  const end = (text: string, sources: Citation[], answerMeta: AnswerMeta, error: ErrorData | null = null): AnswerEnd => ({
    answerId: request.answerId,
    text,
    citations: citationsIn(text, sources),
    sources,
    meta: { ...answerMeta, partial },
    error,
    reasoning: reasoning.length > 0 ? reasoning : null,
  })

  const modelQuery = await modelRewrite(request, deps, signal)
  if (modelQuery !== null) standalone.query = modelQuery

  let result: SearchResult
  try {
    // Every passage of a pure time range goes to the model; `limit` then counts the weeks a listing shows.
    result = await deps.search(standalone.query, { today, limit: request.limit ?? deps.searchLimit ?? DEFAULT_SEARCH_LIMIT, allPassages: true }, signal)
  } catch (error) {
    if (isAbortError(error) || signal?.aborted) return end('', [], meta({ backend: 'retrieval-only', strategy: 'no-passages', aborted: true }))
    throw error
  }
  const period = result.period
  const periodWarning = result.periodWarning ?? null
  if (signal?.aborted) return end('', [], meta({ backend: 'retrieval-only', strategy: 'no-passages', period, periodWarning, aborted: true }))

  if (result.hits.length === 0) {
    const text = [period ? `${NOT_IN_NOTES} Nothing in ${period.label} matched.` : NOT_IN_NOTES, periodWarning].filter(Boolean).join(' ')
    emit(text)
    return end(text, [], meta({ backend: 'retrieval-only', strategy: 'no-passages', period, periodWarning }))
  }

  const range = result.rangeOnly || (period !== null && inclusiveDays(period.start, period.end) > RANGE_DAYS)
  // Only a pure time question reads in date order; with content words the search's relevance ranking stands,
  // inside the period. No two passages cite the same lines.
  const hits = withoutRepeatedLines(result.rangeOnly ? [...result.hits].sort(byDate) : result.hits)
  const candidates: Passage[] = hits.map((hit, index) => ({ n: index + 1, hit, text: hit.text, truncated: false }))

  // The model does not see the history: a rewritten follow-up carries its reading along.
  const question = standalone.query === request.question.trim() ? request.question : `${request.question}\n(Read as: ${standalone.query})`
  const router = new AnswerRouter({ settings, loadLocal: deps.loadLocal, gateway: deps.gateway }, request.backend ?? 'auto')
  const fullPrompt = directMessages(today, question, candidates)
  const promptText = fullPrompt.map((message) => message.content).join('\n')
  const fixedTokens = TEMPLATE_OVERHEAD_TOKENS + 2 * PER_MESSAGE_OVERHEAD_TOKENS + settings.llm.maxAnswerTokens
  const promptTokens = estimate(promptText) + fixedTokens
  // A range the gateway itself must map-reduce is long work: it goes to the large model.
  const needs = { promptTokens, promptText, fixedTokens, answerTokens: settings.llm.maxAnswerTokens, mapReduce: range && promptTokens > settings.gateway.contextTokens }

  let lastError: unknown = null
  for (let attempt = 0; attempt < MAX_BACKEND_ATTEMPTS; attempt += 1) {
    let route
    try {
      route = await router.select(needs, signal)
    } catch (error) {
      if (isAbortError(error) || signal?.aborted) return end(streamed, [], meta({ backend: 'retrieval-only', strategy: 'no-passages', period, aborted: true }))
      throw error
    }
    if (!route.backend) break
    const backend = route.backend
    if (attempt > 0 && streamed.length > 0) emit(`${paragraphBreak(streamed)}(Answering again with ${backend.kind === 'local' ? 'the local model' : 'the gateway'}.)\n\n`)
    const streamedBefore = streamed.length
    try {
      const outcome = await generate(backend, { question, today, settings, candidates, range, emit, emitReasoning, signal })
      const usage = sumUsage(outcome.usage)
      const last = outcome.usage.at(-1)
      const truncated = outcome.usage.some((result) => result.truncated === true)
      let text = outcome.text
      if (truncated && !outcome.aborted) {
        // Said in the text itself, so every front end shows it, not only those that read the metadata.
        const note = `\n\n(The answer was cut off: ${isLengthReason(last?.finishReason) ? 'the model reached its length limit' : 'notes-rag stopped reading an answer that ran past its limit'}.)`
        emit(note)
        text += note
      }
      const fallbackError = router.lastError()
      const answerMeta = meta({
        backend: backend.kind,
        model: backend.model,
        strategy: outcome.strategy,
        period,
        tokensIn: usage.tokensIn,
        tokensOut: usage.tokensOut,
        cost: usage.cost,
        fallbackReason: router.fallbackReason(),
        fallbackError: fallbackError && router.fallbackReason() ? fallbackError.toData() : null,
        aborted: outcome.aborted,
        periodWarning,
        finishReason: last?.finishReason ?? null,
        truncated,
      })
      return end(text, outcome.sources, answerMeta)
    } catch (error) {
      if (isAbortError(error) || signal?.aborted) {
        return end(streamed, citationSources(candidates), meta({ backend: backend.kind, model: backend.model, strategy: range ? 'map-reduce' : 'direct', period, periodWarning, fallbackReason: router.fallbackReason(), aborted: true }))
      }
      lastError = error
      router.markFailed(backend, error)
      if (streamed.length > streamedBefore) {
        // Whatever comes next must not read as the continuation of the text that broke off.
        partial = true
        const who = backend.kind === 'local' ? 'The local model' : 'The gateway'
        emit(`\n\n--- ${who} stopped mid-answer (${errorMessage(error)}); the text above is partial. ---\n\n`)
      }
    }
  }

  // No model could answer: give the passages themselves, clearly labelled; a pure time question week by week.
  const reason = router.fallbackReason() ?? 'no model is available'
  const failure = lastError ?? router.lastError()
  const error = failure === null ? null : toErrorData(failure)
  const base = { backend: 'retrieval-only', strategy: 'retrieval-only', period, periodWarning, fallbackReason: reason, fallbackError: error } as const
  emit(paragraphBreak(streamed))
  if (result.rangeOnly && result.weeks) {
    const listing = weekListing(result)
    const text = retrievalOnlyWeeksText(reason, listing, result.moreWeeks ?? 0, periodWarning)
    emit(text)
    return end(text, listing.sources, meta({ ...base, weeks: listing.weeks, moreWeeks: result.moreWeeks ?? 0 }), error)
  }
  const sources = citationSources(candidates)
  const text = retrievalOnlyText(reason, sources, periodWarning)
  emit(text)
  return end(text, sources, meta(base), error)
}

/** The weeks of a pure time question as numbered sources, each week holding the numbers of its passages. */
function weekListing(result: SearchResult): { weeks: AnswerWeek[]; sources: Citation[]; titles: string[] } {
  const sources: Citation[] = []
  const weeks: AnswerWeek[] = []
  const titles: string[] = []
  const seen = new Set<string>()
  for (const group of result.weeks ?? []) {
    const numbers: number[] = []
    for (const hit of withoutRepeatedLines(group.passages)) {
      const key = `${hit.path}:${hit.startLine}-${hit.endLine}`
      if (seen.has(key)) continue
      seen.add(key)
      const n = sources.length + 1
      sources.push(toCitation({ n, hit, text: hit.text, truncated: false }))
      numbers.push(n)
    }
    weeks.push({ label: group.label, start: group.period.start, end: group.period.end, sources: numbers })
    titles.push(`${weekGroupTitle(group)}${group.morePassages > 0 ? `, ${group.morePassages} more passage${group.morePassages === 1 ? '' : 's'}` : ''}`)
  }
  return { weeks, sources, titles }
}

/**
 * Follow-ups go through the gateway's small model for rewriting only when the gateway is the preferred backend
 * and known reachable: the question and history would go there anyway, and no probe is spent on it.
 */
async function modelRewrite(request: AskRequest, deps: AnswerDeps, signal?: AbortSignal): Promise<string | null> {
  const history = request.history ?? []
  const gateway = deps.gateway
  if (!gateway || history.length === 0 || !isFollowUp(request.question)) return null
  const choice = request.backend ?? 'auto'
  const policy = deps.settings.routing.policy
  const gatewayPreferred = policy !== 'local-only' && (choice === 'gateway' || (choice === 'auto' && policy === 'prefer-gateway'))
  if (!gatewayPreferred || gateway.status().type !== 'reachable' || gateway.rateLimitRemainingMs() > 0) return null
  let backend: ChatBackend
  try {
    backend = gateway.backend('small')
  } catch {
    return null
  }
  return rewriteWithModel(backend, request.question, history, signal)
}

interface GenerateInput {
  question: string
  today: string
  settings: Settings
  candidates: Passage[]
  range: boolean
  emit: (text: string) => void
  emitReasoning: (text: string) => void
  signal?: AbortSignal
}

interface Generated {
  text: string
  sources: Citation[]
  strategy: AnswerStrategy
  usage: CompletionResult[]
  aborted: boolean
}

/** Tokens kept for the answer: the setting, but never so much that no passage can fit in a small context. */
export function answerReserve(settings: Settings, contextTokens: number): number {
  return Math.max(16, Math.min(settings.llm.maxAnswerTokens, Math.floor(contextTokens / 4)))
}

async function generate(backend: ChatBackend, input: GenerateInput): Promise<Generated> {
  const { question, today, settings, candidates, range, emit, emitReasoning, signal } = input
  const answerTokens = answerReserve(settings, backend.contextTokens)
  const temperature = settings.llm.temperature
  const packed = await packPassages({
    countTokens: (text) => backend.countTokens(text),
    contextTokens: backend.contextTokens,
    answerTokens,
    passages: candidates,
    build: (passages) => directMessages(today, question, passages),
    countPrompt: promptCounter(backend),
    signal,
  })

  const everyPassageFits = packed.dropped === 0 && packed.truncated === 0
  if (range && !everyPassageFits && candidates.length > 1) {
    const prefix = `(This range was too long for one prompt, so I summarised ${weekCount(candidates)} weeks in groups first and then combined the summaries.)\n\n`
    emit(prefix)
    const outcome = await mapReduce({
      backend,
      question,
      today,
      // Summaries go week by week, so the groups are cut from the passages in date order.
      passages: [...candidates].sort((a, b) => byDate(a.hit, b.hit)),
      answerTokens,
      summaryTokens: Math.max(16, Math.floor(answerTokens / 2)),
      temperature,
      onDelta: emit,
      signal,
    })
    return {
      text: prefix + outcome.text,
      sources: citationSources(candidates),
      strategy: 'map-reduce',
      usage: outcome.usage,
      aborted: outcome.aborted,
    }
  }

  if (packed.passages.length === 0) {
    throw new BrainError('invalid-input', `The context of ${backend.model} (${backend.contextTokens} tokens) leaves no room for any passage`)
  }
  const completion = await backend.complete({ messages: packed.messages, maxTokens: answerTokens, temperature, signal, onDelta: emit, onReasoningDelta: emitReasoning })
  return {
    text: completion.text,
    sources: packed.passages.map(toCitation),
    strategy: 'direct',
    usage: [completion],
    aborted: completion.aborted,
  }
}

function excerptOf(source: Citation): string {
  const excerpt = source.text.replace(/\s+/g, ' ').trim()
  return excerpt.length > 280 ? `${excerpt.slice(0, 277)}...` : excerpt
}

function retrievalOnlyText(reason: string, sources: Citation[], periodWarning: string | null): string {
  const lines = sources.map((source) => `[${source.n}] ${weekLabel(source)}, ${source.path}:${source.startLine}-${source.endLine}\n${excerptOf(source)}`)
  const warning = periodWarning ? `\n(${periodWarning})` : ''
  return `No model could answer (${reason}). These are the passages from your notes that matched, not an answer:${warning}\n\n${lines.join('\n\n')}`
}

function retrievalOnlyWeeksText(reason: string, listing: ReturnType<typeof weekListing>, moreWeeks: number, periodWarning: string | null): string {
  const byNumber = new Map(listing.sources.map((source) => [source.n, source]))
  const blocks = listing.weeks.map((week, index) => {
    const passages = week.sources.map((n) => {
      const source = byNumber.get(n)!
      return `[${n}] ${source.path}:${source.startLine}-${source.endLine}\n${excerptOf(source)}`
    })
    return `${listing.titles[index]}\n${passages.join('\n')}`
  })
  const more = moreWeeks > 0 ? `\n\n${moreWeeks} more week${moreWeeks === 1 ? '' : 's'} matched.` : ''
  const warning = periodWarning ? `\n(${periodWarning})` : ''
  return `No model could answer (${reason}). These are your notes week by week, not an answer:${warning}\n\n${blocks.join('\n\n')}${more}`
}

/** What to write before a new paragraph so it does not continue the streamed text. */
function paragraphBreak(streamed: string): string {
  if (streamed.length === 0 || streamed.endsWith('\n\n')) return ''
  return streamed.endsWith('\n') ? '\n' : '\n\n'
}

function isLengthReason(reason: string | null | undefined): boolean {
  return reason === 'length' || reason === 'max_tokens' || reason === 'model_length'
}

function citationSources(passages: Passage[]): Citation[] {
  return passages.map(toCitation)
}

function sumUsage(results: CompletionResult[]): { tokensIn: number | null; tokensOut: number | null; cost: number | null } {
  const total = (pick: (result: CompletionResult) => number | null) => {
    const values = results.map(pick).filter((value): value is number => value !== null)
    return values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0)
  }
  return { tokensIn: total((result) => result.tokensIn), tokensOut: total((result) => result.tokensOut), cost: total((result) => result.cost) }
}

function estimate(text: string): number {
  return Math.ceil(text.length / 4)
}

function byDate(a: SearchHit, b: SearchHit): number {
  return a.periodStart.localeCompare(b.periodStart) || a.path.localeCompare(b.path) || a.startLine - b.startLine
}

function weekCount(passages: Passage[]): number {
  return new Set(passages.map((passage) => passage.hit.headingPath[0] || passage.hit.periodStart)).size
}
