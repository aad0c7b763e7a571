import type { SearchResult } from '../../shared/search'
import type { IndexedCorpus } from './indexed-corpus'
import { formatFailures, mean, scoreQuestion, summariseKind, summariseTimeScoped, type KindFigures, type QuestionOutcome, type ScoredQuestion } from './score-question'

/** The figures of one eval run over one corpus. */
export interface EvalReport {
  corpus: string
  files: number
  chunks: number
  indexSeconds: number
  /** The embedding model's state after indexing: `ready`, or why searches ran on keywords alone. */
  embedding: string
  searchMsMean: number
  modes: Record<string, number>
  /** Per kind, in the order kinds first appear in the question set. */
  kinds: KindFigures[]
  /** Every question with a period, whatever its kind. */
  timeScoped: KindFigures
  all: { questions: number; recallAt5: number; mrrAt10: number }
  outcomes: QuestionOutcome[]
}

/** Asks every question of an indexed corpus (one index, reused across questions) and scores it. */
export async function evaluateQuestions(corpus: string, indexed: IndexedCorpus, questions: ScoredQuestion[]): Promise<EvalReport> {
  const outcomes: QuestionOutcome[] = []
  let searchMs = 0
  for (const question of questions) {
    const result: SearchResult = await indexed.engine.call('search', [question.query, { today: question.today, limit: 20 }])
    searchMs += result.tookMs
    outcomes.push(scoreQuestion(question, result))
  }
  const modes: Record<string, number> = {}
  for (const outcome of outcomes) modes[outcome.mode] = (modes[outcome.mode] ?? 0) + 1
  const kinds = [...new Set(questions.map((question) => question.kind))]
  return {
    corpus,
    files: indexed.files,
    chunks: indexed.chunks,
    indexSeconds: indexed.indexSeconds,
    embedding: indexed.embedding.type === 'unavailable' ? `unavailable: ${indexed.embedding.reason}` : indexed.embedding.type,
    searchMsMean: outcomes.length > 0 ? searchMs / outcomes.length : 0,
    modes,
    kinds: kinds.map((kind) => summariseKind(kind, outcomes)),
    timeScoped: summariseTimeScoped(outcomes),
    all: {
      questions: outcomes.length,
      recallAt5: mean(outcomes.map((outcome) => outcome.recallAt5)),
      mrrAt10: mean(outcomes.map((outcome) => outcome.reciprocalRank)),
    },
    outcomes,
  }
}

export function figuresFor(report: EvalReport, kind: string): KindFigures | undefined {
  return kind === 'time-scoped' ? report.timeScoped : report.kinds.find((figures) => figures.kind === kind)
}

const row = (figures: KindFigures) =>
  `${figures.kind.padEnd(14)}${String(figures.questions).padStart(9)}  ${figures.recallAt5.toFixed(3).padStart(8)}  ${figures.mrrAt10.toFixed(3).padStart(6)}  ${figures.insidePeriod === null ? '-' : `${figures.insidePeriod.toFixed(3)}${figures.withoutHits ? ` (${figures.withoutHits} with no hit)` : ''}`}`

/** The per-kind table, then every failed question with what was expected and what came back. */
export function formatReport(report: EvalReport): string {
  const lines = [
    `== ${report.corpus}: files ${report.files}, chunks ${report.chunks}, indexed in ${report.indexSeconds.toFixed(1)} s, embedding ${report.embedding}, mean search ${report.searchMsMean.toFixed(1)} ms, modes ${JSON.stringify(report.modes)}`,
    'kind          questions  recall@5  MRR@10  hits inside period',
    ...report.kinds.map(row),
  ]
  if (report.timeScoped.questions > 0 && !report.kinds.some((figures) => figures.kind === 'time-scoped')) lines.push(row(report.timeScoped))
  lines.push(`${'all'.padEnd(14)}${String(report.all.questions).padStart(9)}  ${report.all.recallAt5.toFixed(3).padStart(8)}  ${report.all.mrrAt10.toFixed(3).padStart(6)}`)
  const failures = formatFailures(report.outcomes)
  if (failures.length > 0) lines.push('', `failed questions (${report.outcomes.filter((outcome) => outcome.recallAt5 < 1 || (outcome.insidePeriod !== null && (outcome.insidePeriod < 1 || outcome.hitCount === 0))).length}):`, ...failures)
  return lines.join('\n')
}

/** What the gate requires of a corpus; returns the reasons it fails (empty when it passes). */
export function gateProblems(report: EvalReport, thresholds = { keywordRecallAt5: 0.9 }): string[] {
  const problems: string[] = []
  const keyword = figuresFor(report, 'keyword')
  if (!keyword || keyword.questions === 0) problems.push('no keyword questions')
  else if (keyword.recallAt5 < thresholds.keywordRecallAt5) problems.push(`keyword recall@5 ${keyword.recallAt5.toFixed(3)} < ${thresholds.keywordRecallAt5}`)
  const timed = report.outcomes.filter((outcome) => outcome.insidePeriod !== null)
  const outside = timed.filter((outcome) => outcome.insidePeriod! < 1)
  if (outside.length > 0) problems.push(`${outside.length} time-scoped question(s) with hits outside their period: ${outside.map((outcome) => outcome.question.id).join(', ')}`)
  const empty = timed.filter((outcome) => outcome.hitCount === 0)
  if (empty.length > 0) problems.push(`${empty.length} time-scoped question(s) with no hit: ${empty.map((outcome) => outcome.question.id).join(', ')}`)
  return problems
}
