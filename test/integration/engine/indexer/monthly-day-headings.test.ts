import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestEngine, type EngineFixture } from '../../../support/engine-fixture'
import { makeTempDir } from '../../../support/temp-dir'

// A monthly log with one heading per day and undated "The Weekend" sections (issue 11): before, every section was
// dated by the file's mtime, so time questions found nothing and "cypress this week" returned 2020 entries as today.
const FIXTURE = path.resolve(__dirname, '../../../fixtures/notes/monthly-day-headings')

describe('a monthly file with one heading per day', () => {
  let fixture: EngineFixture
  let cleanup: () => void

  beforeAll(async () => {
    const temp = makeTempDir('notes-rag-monthly-')
    cleanup = temp.cleanup
    const folder = path.join(temp.dir, 'notes')
    fs.cpSync(FIXTURE, folder, { recursive: true })
    // A file time of today must not leak into any section's period.
    fs.utimesSync(path.join(folder, '2020', '05-May-2020.md'), new Date(), new Date())
    fixture = await openTestEngine(folder)
    await fixture.engine.call('reindex', [])
  })
  afterAll(async () => {
    await fixture?.cleanup()
    cleanup?.()
  })

  const hitFor = async (query: string, text: string) => {
    const result = await fixture.engine.call('search', [query, { limit: 10 }])
    const hit = result.hits.find((candidate) => candidate.text.includes(text))
    expect(hit, `a hit with "${text}" for "${query}"`).toBeDefined()
    return hit!
  }

  it('dates each day heading to its own day, from the heading', async () => {
    const friday = await hitFor('cypress login cookie banner', 'cookie banner')
    expect([friday.periodStart, friday.periodEnd, friday.periodSource]).toEqual(['2020-05-01', '2020-05-01', 'heading'])
    const tuesday = await hitFor('dentist accessibility audit', 'accessibility audit')
    expect([tuesday.periodStart, tuesday.periodEnd]).toEqual(['2020-05-05', '2020-05-05'])
    expect(friday.periodGuessed).toBeFalsy()
  })

  it('gives "The Weekend" the Saturday and Sunday after the day before it', async () => {
    const weekend = await hitFor('tomatoes bike brake', 'tomatoes')
    expect([weekend.periodStart, weekend.periodEnd]).toEqual(['2020-05-02', '2020-05-03'])
  })

  it('answers time questions about those days, and nothing is dated today', async () => {
    const result = await fixture.engine.call('search', ['cypress on Friday 2020-05-01', { limit: 10, today: '2026-12-02' }])
    expect(result.hits.length).toBeGreaterThan(0)
    expect(result.hits.every((hit) => hit.periodStart <= '2020-05-01' && hit.periodEnd >= '2020-05-01')).toBe(true)
    expect(result.hits.some((hit) => hit.text.includes('cookie banner'))).toBe(true)
    const recent = await fixture.engine.call('search', ['cypress this week', { limit: 10, today: '2026-12-02' }])
    expect(recent.hits).toEqual([])
  })
})
