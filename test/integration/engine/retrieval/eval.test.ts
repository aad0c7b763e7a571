import { describe, expect, it } from 'vitest'
import { figuresFor, formatReport } from '../../../eval/eval-report'
import { runEval } from '../../../eval/run-eval'

// The quality gate: a reduced eval (2.3 years of logs) through the real engine, chunker, stores and tiny
// embedding model. Paraphrase questions are left to `npm run eval`: a lexical model cannot answer them.
describe('retrieval quality gate', () => {
  it('finds keyword and time-scoped answers in the top 5, with every time-scoped hit inside its period', async () => {
    const report = await runEval({ weeks: 120, categories: ['keyword', 'time-scoped'] })
    const text = formatReport(report)
    console.log(text)
    const keyword = figuresFor(report, 'keyword')!
    const timeScoped = figuresFor(report, 'time-scoped')!
    expect(keyword.questions).toBeGreaterThanOrEqual(15)
    expect(timeScoped.questions).toBeGreaterThanOrEqual(15)
    expect(report.modes).toEqual({ hybrid: keyword.questions + timeScoped.questions })
    expect(keyword.recallAt5, text).toBeGreaterThanOrEqual(0.9)
    expect(timeScoped.recallAt5, text).toBeGreaterThanOrEqual(0.9)
    expect(timeScoped.insidePeriod, text).toBe(1)
    for (const outcome of report.outcomes.filter((item) => item.question.period)) expect(outcome.hitCount, outcome.question.query).toBeGreaterThan(0)
  }, 180_000)
})
