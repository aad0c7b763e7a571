import { periodsOverlap, type Period } from '../../shared/period'
import type { SearchHit, SearchResult } from '../../shared/search'
import type { ExpectedPassage } from './question-file'

/** What scoring needs from a question, whichever set it comes from (a question file or the generated corpus). */
export interface ScoredQuestion {
  id: string
  kind: string
  query: string
  today: string
  expected: ExpectedPassage[]
  /** `all`: recall is found / min(5, expected); `any`: one expected passage is the whole answer. */
  match: 'all' | 'any'
  /** Time-scoped questions: every hit must overlap it. */
  period?: Period
}

/** How one question went. */
export interface QuestionOutcome {
  question: ScoredQuestion
  /** Distinct files in hit order (the first 10). */
  rankedFiles: string[]
  /** The first hits, for the failure list. */
  topHits: Array<Pick<SearchHit, 'path' | 'startLine' | 'endLine' | 'periodStart' | 'periodEnd'>>
  recallAt5: number
  reciprocalRank: number
  /** Time-scoped questions: hits overlapping the asked period / all hits (1 when there are none; see hitCount). */
  insidePeriod: number | null
  /** Hits outside the asked period, for the failure list. */
  outsidePeriod: Array<Pick<SearchHit, 'path' | 'startLine' | 'endLine' | 'periodStart' | 'periodEnd'>>
  hitCount: number
  /** The period the search understood, to compare with the one asked. */
  parsedPeriod: Period | null
  mode: SearchResult['mode']
  rangeOnly: boolean
}

const brief = (hit: SearchHit) => ({ path: hit.path, startLine: hit.startLine, endLine: hit.endLine, periodStart: hit.periodStart, periodEnd: hit.periodEnd })

/**
 * Scores a search against a question. A file's rank is its first appearance among distinct files; an expected
 * passage with lines counts only when one of that file's hits overlaps them and the file ranks in the top 5 (so a
 * monthly file found through the wrong day's section does not count).
 */
export function scoreQuestion(question: ScoredQuestion, result: SearchResult): QuestionOutcome {
  const rankedFiles: string[] = []
  for (const hit of result.hits) if (!rankedFiles.includes(hit.path)) rankedFiles.push(hit.path)
  const rankOf = (passage: ExpectedPassage): number => {
    const fileRank = rankedFiles.indexOf(passage.file)
    if (fileRank === -1) return -1
    if (!passage.lines) return fileRank
    const [from, to] = passage.lines
    const covered = result.hits.some((hit) => hit.path === passage.file && hit.startLine <= to && hit.endLine >= from)
    return covered ? fileRank : -1
  }
  const ranks = uniquePassages(question.expected).map(rankOf)
  const foundInTop5 = ranks.filter((rank) => rank !== -1 && rank < 5).length
  const recallAt5 = question.match === 'any' ? (foundInTop5 > 0 ? 1 : 0) : foundInTop5 / Math.min(5, ranks.length)
  const firstRank = Math.min(...ranks.map((rank) => (rank === -1 || rank >= 10 ? Infinity : rank)))
  const outside = question.period ? result.hits.filter((hit) => !periodsOverlap(question.period!, { start: hit.periodStart, end: hit.periodEnd })) : []
  return {
    question,
    rankedFiles: rankedFiles.slice(0, 10),
    topHits: result.hits.slice(0, 5).map(brief),
    recallAt5,
    reciprocalRank: Number.isFinite(firstRank) ? 1 / (firstRank + 1) : 0,
    insidePeriod: question.period ? (result.hits.length === 0 ? 1 : (result.hits.length - outside.length) / result.hits.length) : null,
    outsidePeriod: outside.map(brief),
    hitCount: result.hits.length,
    parsedPeriod: result.period ? { start: result.period.start, end: result.period.end } : null,
    mode: result.mode,
    rangeOnly: result.rangeOnly,
  }
}

function uniquePassages(passages: ExpectedPassage[]): ExpectedPassage[] {
  const seen = new Set<string>()
  return passages.filter((passage) => {
    const key = `${passage.file}:${passage.lines?.join('-') ?? ''}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** Figures for one kind of question. */
export interface KindFigures {
  kind: string
  questions: number
  recallAt5: number
  mrrAt10: number
  /** Time-scoped kinds only: mean share of hits inside the asked period. */
  insidePeriod: number | null
  /** Time-scoped kinds only: questions that returned no hit at all. */
  withoutHits: number | null
}

export function summariseKind(kind: string, outcomes: QuestionOutcome[]): KindFigures {
  const mine = outcomes.filter((outcome) => outcome.question.kind === kind)
  const timed = mine.filter((outcome) => outcome.insidePeriod !== null)
  return {
    kind,
    questions: mine.length,
    recallAt5: mean(mine.map((outcome) => outcome.recallAt5)),
    mrrAt10: mean(mine.map((outcome) => outcome.reciprocalRank)),
    insidePeriod: timed.length === 0 ? null : mean(timed.map((outcome) => outcome.insidePeriod!)),
    withoutHits: timed.length === 0 ? null : timed.filter((outcome) => outcome.hitCount === 0).length,
  }
}

/** All time-scoped questions together: the gate's "every hit inside its period". */
export function summariseTimeScoped(outcomes: QuestionOutcome[]): KindFigures {
  return summariseKind('time-scoped', outcomes.map((outcome) => (outcome.question.period ? { ...outcome, question: { ...outcome.question, kind: 'time-scoped' } } : outcome)))
}

export const mean = (values: number[]) => (values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length)

/** True when a question missed something the gate or a reader cares about. */
export function isFailure(outcome: QuestionOutcome): boolean {
  return outcome.recallAt5 < 1 || (outcome.insidePeriod !== null && (outcome.insidePeriod < 1 || outcome.hitCount === 0))
}

const span = (hit: QuestionOutcome['topHits'][number]) => `${hit.path}:${hit.startLine}-${hit.endLine} [${hit.periodStart}..${hit.periodEnd}]`

/** One block per failed question: the question, what was expected and what came back. */
export function formatFailures(outcomes: QuestionOutcome[]): string[] {
  const lines: string[] = []
  for (const outcome of outcomes.filter(isFailure)) {
    const { question } = outcome
    const problems: string[] = []
    if (outcome.recallAt5 < 1) problems.push(`recall@5 ${outcome.recallAt5.toFixed(2)}`)
    if (outcome.insidePeriod !== null && outcome.hitCount === 0) problems.push('no hits')
    if (outcome.insidePeriod !== null && outcome.insidePeriod < 1) problems.push(`${outcome.outsidePeriod.length} of ${outcome.hitCount} hits outside the period`)
    lines.push(`  ✗ [${question.kind}] ${question.id}: "${question.query}" (today ${question.today}) — ${problems.join(', ')}`)
    const expected = question.expected.map((passage) => `${passage.file}${passage.lines ? `:${passage.lines[0]}-${passage.lines[1]}` : ''}`)
    lines.push(`      expected${question.match === 'any' ? ' (any of)' : ''}: ${expected.slice(0, 5).join(', ')}${expected.length > 5 ? `, … (${expected.length})` : ''}`)
    if (question.period) {
      const parsed = outcome.parsedPeriod ? `${outcome.parsedPeriod.start}..${outcome.parsedPeriod.end}` : 'none'
      lines.push(`      period: asked ${question.period.start}..${question.period.end}, parsed ${parsed}${outcome.rangeOnly ? ' (range only)' : ''}`)
    }
    lines.push(`      got: ${outcome.topHits.length === 0 ? 'nothing' : outcome.topHits.map(span).join(', ')}`)
    if (outcome.outsidePeriod.length > 0) lines.push(`      outside: ${outcome.outsidePeriod.slice(0, 3).map(span).join(', ')}${outcome.outsidePeriod.length > 3 ? ', …' : ''}`)
  }
  return lines
}
