import { basename, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { generateCorpus } from '../fixtures/corpus/generate-corpus'
import { evaluateQuestions, formatReport, gateProblems, type EvalReport } from './eval-report'
import { indexCorpus } from './indexed-corpus'
import { loadQuestionFile } from './question-file'
import { QUESTION_CATEGORIES, buildQuestions, type EvalQuestion, type QuestionCategory } from './questions'
import type { ScoredQuestion } from './score-question'
import { listSharedCorpora, SHARED_CORPORA_DIR } from './shared-corpora'

export interface RunEvalOptions {
  weeks?: number
  seed?: number
  /** Only these categories (the vitest gate runs keyword and time-scoped). */
  categories?: QuestionCategory[]
  /** Index and search without an embedding model: the keyword-only baseline. */
  keywordOnly?: boolean
  log?: (line: string) => void
}

const toScored = (question: EvalQuestion): ScoredQuestion => ({
  id: question.id,
  kind: question.category,
  query: question.query,
  today: question.today,
  expected: question.expectedFiles.map((file) => ({ file })),
  match: 'all',
  period: question.period,
})

/** Generates the four-year corpus, indexes it through the engine facade with the tiny embedding model and scores every question. */
export async function runEval(options: RunEvalOptions = {}): Promise<EvalReport> {
  let facts: Awaited<ReturnType<typeof generateCorpus>>['facts'] | undefined
  const indexed = await indexCorpus({
    fill: async (notesDir) => {
      facts = (await generateCorpus({ dir: notesDir, weeks: options.weeks, seed: options.seed })).facts
    },
    keywordOnly: options.keywordOnly,
    log: options.log,
  })
  try {
    const wanted = new Set(options.categories ?? QUESTION_CATEGORIES)
    const questions = buildQuestions(facts!).filter((question) => wanted.has(question.category)).map(toScored)
    return await evaluateQuestions('generated', indexed, questions)
  } finally {
    await indexed.dispose()
  }
}

export interface RunCorpusEvalOptions {
  keywordOnly?: boolean
  log?: (line: string) => void
}

/** Indexes a copy of a real corpus folder once and asks it every question of a question file. */
export async function runCorpusEval(corpusDir: string, questionsFile: string, options: RunCorpusEvalOptions = {}): Promise<EvalReport> {
  // Validate before indexing: a wrong path or line number should cost a second, not an index.
  const file = loadQuestionFile(questionsFile, corpusDir)
  const indexed = await indexCorpus({ copyFrom: corpusDir, keywordOnly: options.keywordOnly, log: options.log })
  try {
    return await evaluateQuestions(basename(corpusDir), indexed, file.questions)
  } finally {
    await indexed.dispose()
  }
}

const USAGE = `usage: npm run eval [-- options]
  (no options)                     the generated four-year corpus (EVAL_WEEKS, EVAL_SEED vary it)
  --corpus DIR --questions FILE    one corpus folder and its question file (test/eval/questions/*.json)
  --shared                         every corpus in ${SHARED_CORPORA_DIR} with its question file; exits 1 if a gate fails
  --keyword-only                   index and search without the embedding model (baseline)`

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      corpus: { type: 'string' },
      questions: { type: 'string' },
      shared: { type: 'boolean', default: false },
      'keyword-only': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  })
  const keywordOnly = values['keyword-only']
  const log = (line: string) => console.log(line)
  if (values.help) return void console.log(USAGE)
  if (Boolean(values.corpus) !== Boolean(values.questions)) {
    console.error(`--corpus and --questions go together\n${USAGE}`)
    process.exitCode = 2
    return
  }
  const runs: Array<{ dir: string; questions: string }> = []
  if (values.corpus && values.questions) runs.push({ dir: resolve(values.corpus), questions: resolve(values.questions) })
  if (values.shared) {
    const corpora = listSharedCorpora()
    if (!corpora) throw new Error(`no shared corpora at ${SHARED_CORPORA_DIR} (set NOTES_RAG_SHARED_CORPORA)`)
    for (const corpus of corpora) {
      if (corpus.questionsFile) runs.push({ dir: corpus.dir, questions: corpus.questionsFile })
      else console.log(`${corpus.name}: no question file in test/eval/questions/, skipped`)
    }
  }
  if (runs.length === 0) {
    const weeks = process.env.EVAL_WEEKS ? Number(process.env.EVAL_WEEKS) : undefined
    const seed = process.env.EVAL_SEED ? Number(process.env.EVAL_SEED) : undefined
    console.log(formatReport(await runEval({ weeks, seed, keywordOnly, log })))
    return
  }
  const failed: string[] = []
  for (const run of runs) {
    const report = await runCorpusEval(run.dir, run.questions, { keywordOnly, log })
    console.log(formatReport(report))
    const problems = gateProblems(report)
    console.log(problems.length === 0 ? `gate: pass\n` : `gate: FAIL — ${problems.join('; ')}\n`)
    if (problems.length > 0) failed.push(report.corpus)
  }
  if (failed.length > 0) {
    console.log(`gate failed on ${failed.length} of ${runs.length} corpora: ${failed.join(', ')}`)
    process.exitCode = 1
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error)
    process.exitCode = 1
  })
}
