import { describe, expect, it } from 'vitest'
import { examplePrompts } from '../../../../renderer/format/example-prompts'
import type { NotesOverview } from '../../../../shared/notes-overview'

const overview = (latestStart: string): NotesOverview => ({
  files: 3,
  chunks: 9,
  span: { start: '2024-01-01', end: latestStart },
  latestPeriod: { start: latestStart, end: latestStart },
  busiestMonths: [],
  recurringWords: [],
})

describe('examplePrompts: the week prompt uses the shared ISO week', () => {
  it.each([
    ['2024-12-30', 'What did I do in week 1 of 2025?'],
    ['2021-01-03', 'What did I do in week 53 of 2020?'],
    ['2024-04-29', 'What did I do in week 18 of 2024?'],
  ])('%s', (start, prompt) => {
    expect(examplePrompts(overview(start))).toEqual([prompt])
  })

  it('no week prompt for a date that is not a calendar day', () => {
    expect(examplePrompts(overview('2023-02-30'))).toEqual([])
  })
})
