import { describe, expect, it } from 'vitest'
import type { ChatTurn } from '../../../../../shared/answer'
import { findTimePhrase, isFollowUp, rewriteFollowUp, topicTerms } from '../../../../../electron/engine/llm/answer/follow-up-rewrite'

const turns = (...questions: string[]): ChatTurn[] =>
  questions.flatMap((content) => [
    { role: 'user' as const, content },
    { role: 'assistant' as const, content: 'Some answer [1].' },
  ])

describe('findTimePhrase', () => {
  it.each([
    ['what did I do in March 2023?', 'in March 2023'],
    ['anything about kafka last week', 'last week'],
    ['work done in 2023-W14', 'in 2023-W14'],
    ['goals for Q2 2024', 'for Q2 2024'],
    ['trips in 2022', 'in 2022'],
    ['what happened 3 weeks ago', '3 weeks ago'],
    ['between March and May 2023 what shipped', 'between March and May 2023'],
    ['may I ask about the database', null],
    ['what did I plant in May 2023', 'in May 2023'],
    ['the offsite on March 14th, 2024', 'March 14th, 2024'],
    ['who fixed the printer', null],
  ])('%s', (text, expected) => {
    expect(findTimePhrase(text)).toBe(expected)
  })
})

describe('topicTerms and isFollowUp', () => {
  it('keeps content words without the time phrase or question words', () => {
    expect(topicTerms('What did I decide about the Postgres migration in March 2023?')).toEqual(['decide', 'postgres', 'migration'])
  })

  it.each([
    ['who else was there?', true],
    ['and in April?', true],
    ['why?', true],
    ['what did it cost', true],
    ['What did I decide about the Postgres migration?', false],
    ['Which books did I read about gardening last summer?', false],
  ])('%s -> %s', (question, expected) => {
    expect(isFollowUp(question)).toBe(expected)
  })
})

describe('rewriteFollowUp', () => {
  it.each([
    {
      name: 'no history leaves the question alone',
      history: [],
      question: 'What did I decide about Postgres?',
      query: 'What did I decide about Postgres?',
    },
    {
      name: 'a pronoun carries topic and time',
      history: turns('Who worked on the Kubernetes upgrade in March 2023?'),
      question: 'Who else was there?',
      query: 'Who else was there worked kubernetes upgrade in March 2023',
    },
    {
      name: 'a new time phrase replaces the old one',
      history: turns('What did I spend on the kitchen renovation in 2022?'),
      question: 'and in 2023?',
      query: 'and in 2023 spend kitchen renovation',
    },
    {
      name: 'a standalone question is not rewritten',
      history: turns('Who worked on the Kubernetes upgrade in March 2023?'),
      question: 'Which books did I read about gardening last summer?',
      query: 'Which books did I read about gardening last summer?',
    },
    {
      name: 'a chain of follow-ups keeps the first topic',
      history: turns('What did I decide about the Postgres migration in March 2023?', 'why?'),
      question: 'who else agreed then?',
      query: 'who else agreed then decide postgres migration in March 2023',
    },
    {
      name: 'terms the follow-up already has are not repeated',
      history: turns('When did the backup server fail?'),
      question: 'did the backup fail again after that?',
      query: 'did the backup fail again after that server',
    },
  ])('$name', ({ history, question, query }) => {
    const rewritten = rewriteFollowUp(question, history)
    expect(rewritten.query).toBe(query)
    expect(rewritten.rewritten).toBe(query !== question)
  })
})
