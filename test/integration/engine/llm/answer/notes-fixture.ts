import type { QueryPeriod } from '../../../../../shared/period'
import type { SearchHit, SearchOptions, SearchResult } from '../../../../../shared/search'
import type { ChatBackend, CompletionRequest } from '../../../../../electron/engine/llm/types'

const TOPICS = ['kubernetes upgrade', 'postgres migration', 'garden beds', 'backup server', 'team offsite', 'budget review']

/** Weekly-log passages for 2023-W01.., one per week, each naming its week and a topic. */
export function weeklyHits(weeks: number, characters = 300): SearchHit[] {
  return Array.from({ length: weeks }, (_, index) => {
    const week = index + 1
    const monday = new Date(Date.UTC(2023, 0, 2 + index * 7))
    const sunday = new Date(monday.getTime() + 6 * 86_400_000)
    const label = `2023-W${String(week).padStart(2, '0')}`
    const topic = TOPICS[index % TOPICS.length]
    let text = `Week ${week}: worked on the ${topic}. Alice and Bob reviewed it.`
    while (text.length < characters) text += ` Notes on the ${topic}, day ${text.length % 7}, item ${text.length}.`
    return {
      chunkId: `chunk-${label}`,
      path: `logs/${label}.md`,
      headingPath: [label, 'Done'],
      startLine: 3,
      endLine: 9,
      periodStart: monday.toISOString().slice(0, 10),
      periodEnd: sunday.toISOString().slice(0, 10),
      score: 1 / (week + 1),
      snippet: text.slice(0, 60),
      text: text.slice(0, characters),
      retrievers: ['keyword'],
    }
  })
}

/**
 * A small in-memory stand-in for the Searcher: word-overlap matching over fixed hits, or every hit when the
 * test declares the question a pure range. It records the queries it was asked.
 */
export function memorySearch(hits: SearchHit[], options: { period?: QueryPeriod | null; rangeOnly?: boolean } = {}) {
  const queries: string[] = []
  const search = async (query: string, searchOptions: SearchOptions): Promise<SearchResult> => {
    queries.push(query)
    const words = query.toLowerCase().match(/[a-z0-9]{4,}/g) ?? []
    const matched = options.rangeOnly ? hits : hits.filter((hit) => words.some((word) => hit.text.toLowerCase().includes(word)))
    return {
      query,
      searchedText: query,
      period: options.period ?? null,
      pathPrefix: null,
      mode: 'keyword',
      modeReason: null,
      rangeOnly: options.rangeOnly ?? false,
      hits: options.rangeOnly ? matched : matched.slice(0, searchOptions.limit ?? 12),
      tookMs: 0,
    }
  }
  return { search, queries }
}

/** Delegates to a real backend and keeps every request, so tests can measure what was sent. */
export function recordingBackend(inner: ChatBackend): { backend: ChatBackend; calls: CompletionRequest[] } {
  const calls: CompletionRequest[] = []
  const exact = (inner as { countMessageTokens?: (messages: CompletionRequest['messages']) => Promise<number> }).countMessageTokens
  const backend: ChatBackend & { countMessageTokens?: (messages: CompletionRequest['messages']) => Promise<number> } = {
    kind: inner.kind,
    model: inner.model,
    contextTokens: inner.contextTokens,
    countTokens: (text) => inner.countTokens(text),
    complete: (request) => {
      calls.push(request)
      return inner.complete(request)
    },
    dispose: () => undefined,
  }
  if (exact) backend.countMessageTokens = (messages) => exact.call(inner, messages)
  return { backend, calls }
}
