import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openTestEngine, type EngineFixture } from '../../../support/engine-fixture'
import { makeTempDir, writeFiles } from '../../../support/temp-dir'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/**
 * A week that mentions a tool by name mid-sentence, starts lines and list items with capitals (grammar, not names)
 * and links to the author's own blog, whose title repeats in every note.
 */
function week(n: number, mentions: boolean): string {
  const day = String(n).padStart(2, '0')
  return [
    '---',
    `date: 2025-03-${day}`,
    '---',
    `# Week ${n}`,
    '',
    '## Things this week',
    '',
    mentions ? `- Almost finished the shelf; moved my notes into Obsidian on the laptop, day ${n}.` : `- Painted the fence, day ${n}.`,
    mentions ? `Mostly quiet. Synced Obsidian again and wrote about it.` : 'Rain all week.',
    '',
    '## Links',
    '',
    mentions ? `- [Tuesday Thoughts ${n} | An Almost Anonymous Blog](https://example.org/${n})` : '- nothing',
    '',
  ].join('\n')
}

async function indexed(files: Record<string, string>): Promise<EngineFixture> {
  const temp = makeTempDir('notes-rag-overview-')
  cleanups.push(temp.cleanup)
  const folder = path.join(temp.dir, 'notes')
  writeFiles(folder, files)
  const fixture = await openTestEngine(folder)
  cleanups.push(fixture.cleanup)
  await fixture.engine.call('reindex', [])
  return fixture
}

describe('notes overview', () => {
  it('counts the notes and passages, spans their weeks and suggests a name the notes use, not a link title or a capital that starts a line', async () => {
    // Words in nearly every note say nothing about the weeks, so the names appear in half of them.
    const files = Object.fromEntries([3, 8, 13, 18, 23, 28].map((n, index) => [`2025/week-${n}.md`, week(n, index % 2 === 0)]))
    const { engine } = await indexed(files)
    const overview = await engine.call('getNotesOverview', [])
    const status = await engine.call('getStatus', [])
    expect(overview.files).toBe(6)
    expect(overview.chunks).toBe(status.chunks)
    expect(overview.busiestMonths).toEqual(['2025-03'])
    expect(overview.recurringWords[0]).toBe('Obsidian')
    // "Almost" starts list items and sits in link titles, "Mostly" starts a line: plain words, ranked after names.
    // "Anonymous" is only ever in a link's title.
    expect(overview.recurringWords).not.toContain('Anonymous')
  })
})
