import { describe, expect, it } from 'vitest'
import { formatReport, gateProblems } from '../../../eval/eval-report'
import { runCorpusEval } from '../../../eval/run-eval'
import { listSharedCorpora, SHARED_CORPORA_DIR } from '../../../eval/shared-corpora'

// The quality gate on real public work logs (../shared/corpora, present in CI): every corpus there is indexed by
// the real engine with the tiny embedding model and asked its hand-written questions (test/eval/questions/).
// The same run, outside vitest: `npm run eval -- --shared`.
const corpora = listSharedCorpora()

describe('retrieval quality gate on the real corpora', () => {
  if (!corpora) {
    if (process.env.CI === 'true') {
      it('needs the shared corpora in CI', () => {
        throw new Error(`no shared corpora at ${SHARED_CORPORA_DIR}: CI must provide ../shared/corpora beside the checkout`)
      })
    } else {
      console.log(`skipping the real-corpora eval gate: no shared corpora at ${SHARED_CORPORA_DIR} (set NOTES_RAG_SHARED_CORPORA or check out ../shared)`)
      it.skip('needs ../shared/corpora', () => undefined)
    }
    return
  }

  it('has a question file with at least 30 questions for every corpus', async () => {
    const { loadQuestionFile } = await import('../../../eval/question-file')
    for (const corpus of corpora) {
      expect(corpus.questionsFile, `${corpus.name}: write test/eval/questions/${corpus.name}.json`).not.toBeNull()
      // Loading checks every expected file, line range and evidence text against the corpus.
      const file = loadQuestionFile(corpus.questionsFile!, corpus.dir)
      expect(file.questions.length, corpus.name).toBeGreaterThanOrEqual(30)
    }
  })

  for (const corpus of corpora.filter((item) => item.questionsFile)) {
    it(`${corpus.name}: keyword recall@5 >= 0.9 and every time-scoped hit inside its period`, async () => {
      const report = await runCorpusEval(corpus.dir, corpus.questionsFile!)
      const text = formatReport(report)
      console.log(text)
      expect(report.embedding, 'the tiny embedding model must load').toBe('ready')
      expect(gateProblems(report), text).toEqual([])
    }, 120_000)
  }
})
