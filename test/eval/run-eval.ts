import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Engine } from '../../electron/engine/engine'
import { periodsOverlap } from '../../shared/period'
import type { SearchResult } from '../../shared/search'
import { generateCorpus } from '../fixtures/corpus/generate-corpus'
import { ensureTinyEmbeddingModel } from '../support/tiny-embedding-model'
import { QUESTION_CATEGORIES, buildQuestions, type EvalQuestion, type QuestionCategory } from './questions'

/** How one question went. */
export interface QuestionOutcome {
  question: EvalQuestion
  /** Distinct files in hit order (the first 10). */
  rankedFiles: string[]
  recallAt5: number
  reciprocalRank: number
  /** Time-scoped questions: hits overlapping the asked period / all hits (1 when there are none). */
  insidePeriod: number | null
  hitCount: number
  mode: SearchResult['mode']
}

export interface CategoryFigures {
  category: QuestionCategory
  questions: number
  recallAt5: number
  mrrAt10: number
  /** Time-scoped only: share of all their hits inside the asked period. */
  insidePeriod: number | null
}

export interface EvalReport {
  files: number
  chunks: number
  indexSeconds: number
  searchMsMean: number
  modes: Record<string, number>
  categories: CategoryFigures[]
  outcomes: QuestionOutcome[]
}

export interface RunEvalOptions {
  weeks?: number
  seed?: number
  /** Only these categories (the vitest gate runs keyword and time-scoped). */
  categories?: QuestionCategory[]
  /** Index and search without an embedding model: the keyword-only baseline. */
  keywordOnly?: boolean
  log?: (line: string) => void
}

// `npm run eval` (EVAL_WEEKS, EVAL_SEED to vary the corpus; `-- --keyword-only` for the baseline without vectors).

/** Generates the corpus, indexes it through the engine facade with the tiny embedding model and scores every question. */
export async function runEval(options: RunEvalOptions = {}): Promise<EvalReport> {
  const log = options.log ?? (() => undefined)
  const root = await mkdtemp(join(tmpdir(), 'notes-rag-eval-'))
  try {
    const corpusDir = join(root, 'notes')
    const { files, facts } = await generateCorpus({ dir: corpusDir, weeks: options.weeks, seed: options.seed })
    log(`corpus: ${files.length} files in ${corpusDir}`)
    const model = await ensureTinyEmbeddingModel()
    const started = performance.now()
    const engine = await Engine.open({
      dataDir: join(root, 'data'),
      overrides: { folder: corpusDir, embedding: { model: model.modelId, modelsDir: model.modelsDir, allowDownload: false } },
      watch: false,
      loadEmbedder: !options.keywordOnly,
    })
    try {
      await engine.call('reindex', [])
      await engine.whenIdle()
      const status = await engine.call('getStatus', [])
      const indexSeconds = (performance.now() - started) / 1000
      log(`indexed in ${indexSeconds.toFixed(1)} s`)

      const wanted = new Set(options.categories ?? QUESTION_CATEGORIES)
      const questions = buildQuestions(facts).filter((question) => wanted.has(question.category))
      const outcomes: QuestionOutcome[] = []
      let searchMs = 0
      for (const question of questions) {
        const result = await engine.call('search', [question.query, { today: question.today, limit: 20 }])
        searchMs += result.tookMs
        outcomes.push(score(question, result))
      }
      const modes: Record<string, number> = {}
      for (const outcome of outcomes) modes[outcome.mode] = (modes[outcome.mode] ?? 0) + 1
      const categories = QUESTION_CATEGORIES.filter((category) => wanted.has(category)).map((category) => summarise(category, outcomes))
      return {
        files: files.length,
        chunks: chunkCount(status),
        indexSeconds,
        searchMsMean: outcomes.length > 0 ? searchMs / outcomes.length : 0,
        modes,
        categories,
        outcomes,
      }
    } finally {
      await engine.dispose()
    }
  } finally {
    await rm(root, { recursive: true, force: true })
  }
}

function chunkCount(status: unknown): number {
  const value = (status as { chunks?: unknown; totalChunks?: unknown })?.chunks ?? (status as { totalChunks?: unknown })?.totalChunks
  return typeof value === 'number' ? value : -1
}

export function score(question: EvalQuestion, result: SearchResult): QuestionOutcome {
  const rankedFiles: string[] = []
  for (const hit of result.hits) if (!rankedFiles.includes(hit.path)) rankedFiles.push(hit.path)
  const top10 = rankedFiles.slice(0, 10)
  const expected = new Set(question.expectedFiles)
  const found = top10.slice(0, 5).filter((file) => expected.has(file)).length
  const firstRank = top10.findIndex((file) => expected.has(file))
  const inside = question.period
    ? result.hits.length === 0
      ? 1
      : result.hits.filter((hit) => periodsOverlap(question.period!, { start: hit.periodStart, end: hit.periodEnd })).length / result.hits.length
    : null
  return {
    question,
    rankedFiles: top10,
    recallAt5: found / Math.min(5, expected.size),
    reciprocalRank: firstRank === -1 ? 0 : 1 / (firstRank + 1),
    insidePeriod: inside,
    hitCount: result.hits.length,
    mode: result.mode,
  }
}

function summarise(category: QuestionCategory, outcomes: QuestionOutcome[]): CategoryFigures {
  const mine = outcomes.filter((outcome) => outcome.question.category === category)
  const mean = (values: number[]) => (values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length)
  const inside = mine.filter((outcome) => outcome.insidePeriod !== null)
  return {
    category,
    questions: mine.length,
    recallAt5: mean(mine.map((outcome) => outcome.recallAt5)),
    mrrAt10: mean(mine.map((outcome) => outcome.reciprocalRank)),
    insidePeriod: inside.length === 0 ? null : mean(inside.map((outcome) => outcome.insidePeriod!)),
  }
}

export function formatReport(report: EvalReport): string {
  const lines = [
    `files ${report.files}, chunks ${report.chunks}, indexed in ${report.indexSeconds.toFixed(1)} s, mean search ${report.searchMsMean.toFixed(1)} ms, modes ${JSON.stringify(report.modes)}`,
    '',
    'category      questions  recall@5  MRR@10  hits inside period',
  ]
  for (const figures of report.categories) {
    lines.push(
      `${figures.category.padEnd(14)}${String(figures.questions).padStart(9)}  ${figures.recallAt5.toFixed(3).padStart(8)}  ${figures.mrrAt10.toFixed(3).padStart(6)}  ${figures.insidePeriod === null ? '-' : figures.insidePeriod.toFixed(3)}`,
    )
  }
  const all = report.outcomes
  lines.push(`${'all'.padEnd(14)}${String(all.length).padStart(9)}  ${(all.reduce((s, o) => s + o.recallAt5, 0) / Math.max(1, all.length)).toFixed(3).padStart(8)}  ${(all.reduce((s, o) => s + o.reciprocalRank, 0) / Math.max(1, all.length)).toFixed(3).padStart(6)}`)
  const misses = all.filter((outcome) => outcome.recallAt5 < 1)
  if (misses.length > 0) {
    lines.push('', 'questions below full recall@5:')
    for (const miss of misses) {
      lines.push(`  [${miss.question.category}] ${miss.question.query}  recall@5 ${miss.recallAt5.toFixed(2)}  rr ${miss.reciprocalRank.toFixed(2)}  expected ${miss.question.expectedFiles.slice(0, 3).join(', ')}${miss.question.expectedFiles.length > 3 ? ', …' : ''}  got ${miss.rankedFiles.slice(0, 3).join(', ')}`)
    }
  }
  return lines.join('\n')
}

async function main(): Promise<void> {
  const weeks = process.env.EVAL_WEEKS ? Number(process.env.EVAL_WEEKS) : undefined
  const seed = process.env.EVAL_SEED ? Number(process.env.EVAL_SEED) : undefined
  const keywordOnly = process.argv.includes('--keyword-only')
  const report = await runEval({ weeks, seed, keywordOnly, log: (line) => console.log(line) })
  console.log(formatReport(report))
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
}
