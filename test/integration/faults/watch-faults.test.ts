import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { dataPaths } from '../../../electron/engine/settings/data-dir'
import {
  expectConsistent,
  FAST_WATCH_ENV,
  indexJson,
  workspacesCleanedAfterAll,
  runCli,
  sampleRss,
  stopWatch,
  waitForIndex,
  waitForOutput,
  type Workspace,
} from './reliability-harness'

const workspace = workspacesCleanedAfterAll()

/** Writes a note and waits until the watcher has indexed and embedded it: the queue is alive. */
async function expectIndexedSoon(ws: Workspace, relative: string, text: string): Promise<void> {
  fs.mkdirSync(path.dirname(path.join(ws.folder, relative)), { recursive: true })
  fs.writeFileSync(path.join(ws.folder, relative), text)
  await waitForIndex(ws.dataDir, (index) => index.paths.includes(relative) && index.embedded === index.chunks, `${relative} indexed by the watcher`, 60_000)
}

/** The text the index holds for each path (its chunks joined). */
function indexedText(dataDir: string): Map<string, string> {
  const db = new Database(dataPaths(dataDir).database, { readonly: true })
  try {
    const rows = db.prepare('SELECT path, text FROM chunks ORDER BY path, ordinal').all() as Array<{ path: string; text: string }>
    const texts = new Map<string, string>()
    for (const row of rows) texts.set(row.path, `${texts.get(row.path) ?? ''}\n${row.text}`)
    return texts
  } finally {
    db.close()
  }
}


describe('fault: what appears in a watched folder (real CLI processes)', () => {
  it('a FIFO, a `self -> .` link and link loops appearing during watch: skipped, the watcher keeps indexing, a restart becomes ready', async () => {
    const ws = await workspace('specials', 20)
    const watch = runCli(['watch', ws.folder, ...ws.flags], FAST_WATCH_ENV)
    try {
      await waitForOutput(watch, /ready: 20 files/, 'first pass')

      // A FIFO named like a note: opening it for reading would block the queue for good.
      execFileSync('mkfifo', [path.join(ws.folder, 'pipe.md')])
      await expectIndexedSoon(ws, 'after-fifo.md', '# After the FIFO\n\nThe queue still moves, about postgres.')

      // A directory link back to the folder itself: followed, it would turn one edit into self/self/… notes.
      fs.symlinkSync('.', path.join(ws.folder, 'self'))
      fs.symlinkSync('..', path.join(ws.folder, '2019', 'up'))
      fs.appendFileSync(path.join(ws.folder, '2019', '2019-W01.md'), '\n\nEdited with a self link in place.\n')
      await expectIndexedSoon(ws, 'after-self.md', '# After the self link\n\nAbout kubernetes.')

      // Links that loop (file and directory), which make stat fail with ELOOP.
      fs.symlinkSync('loop-b.md', path.join(ws.folder, 'loop-a.md'))
      fs.symlinkSync('loop-a.md', path.join(ws.folder, 'loop-b.md'))
      fs.symlinkSync('ring-b', path.join(ws.folder, 'ring-a'))
      fs.symlinkSync('ring-a', path.join(ws.folder, 'ring-b'))
      await expectIndexedSoon(ws, 'after-loop.md', '# After the loops\n\nAbout billing.')
      expect(watch.child.exitCode, watch.output().slice(-2000)).toBeNull()
    } finally {
      await stopWatch(watch)
    }
    const afterFirst = await waitForIndex(ws.dataDir, (index) => index, 'index')
    expect(afterFirst.paths.filter((relative) => relative.startsWith('self/') || relative.includes('/up/'))).toEqual([])
    expect(afterFirst.paths).not.toContain('pipe.md')

    // A second `self` link, and a restart with all of it in place: the watcher becomes ready and keeps working.
    fs.symlinkSync('.', path.join(ws.folder, 'self-again'))
    const again = runCli(['watch', ws.folder, ...ws.flags], FAST_WATCH_ENV)
    try {
      await waitForOutput(again, /ready: \d+ files/, 'ready with links and a FIFO in the folder')
      await expectIndexedSoon(ws, 'after-restart.md', '# After the restart\n\nAbout observability.')
    } finally {
      await stopWatch(again)
    }
    const report = await expectConsistent(ws)
    expect(report.indexedFiles).toContain('2019/2019-W01.md')
    expect(indexedText(ws.dataDir).get('2019/2019-W01.md')).toContain('Edited with a self link in place.')
  }, 240_000)

  it('Ctrl+C after the folder vanished and came back: the watcher re-attached, and the process exits by itself', async () => {
    const ws = await workspace('cycle', 20)
    const watch = runCli(['watch', ws.folder, ...ws.flags], FAST_WATCH_ENV)
    try {
      await waitForOutput(watch, /ready: 20 files/, 'first pass')
      fs.renameSync(ws.folder, `${ws.folder}.away`)
      await waitForOutput(watch, /paused: the folder is unavailable/, 'paused while the folder is away')
      fs.renameSync(`${ws.folder}.away`, ws.folder)
      await waitForOutput(watch, /paused[\s\S]*ready: 20 files/, 'ready again after the folder came back')
      await expectIndexedSoon(ws, 'after-cycle.md', '# After the cycle\n\nAbout search ranking.')
    } finally {
      // stopWatch fails when the process has not exited by itself (code 0, no signal) within its patience.
      const result = await stopWatch(watch)
      expect(result.stdout).toMatch(/stopped/)
    }
    await expectConsistent(ws)
  }, 180_000)

  it('10,000 edits in a burst (written as fast as the disk takes them) during watch: the index ends at the last version of every note, memory stays bounded', async () => {
    const ws = await workspace('edits', 20)
    await indexJson(ws)
    const watch = runCli(['watch', ws.folder, ...ws.flags], FAST_WATCH_ENV)
    const memory = { peakMb: 0 }
    const sampler = sampleRss(watch.child.pid!, memory, 100)
    const targets = Array.from({ length: 50 }, (_, index) => `burst/note-${String(index).padStart(2, '0')}.md`)
    fs.mkdirSync(path.join(ws.folder, 'burst'))
    try {
      await waitForOutput(watch, /ready: 20 files/, 'first pass')
      for (let edit = 0; edit < 10_000; edit++) {
        const target = targets[edit % targets.length]!
        fs.writeFileSync(path.join(ws.folder, target), `# ${target}\n\n- revision ${edit} of this note about latency budgets\n`)
        // Let the watcher's process breathe now and then, as an editor saving in a loop would.
        if (edit % 200 === 199) await new Promise((resolve) => setTimeout(resolve, 10))
      }
      // The last revision of each note: 9950..9999.
      const last = new Map(targets.map((target, index) => [target, 9_950 + index]))
      await waitForIndex(
        ws.dataDir,
        (index) => {
          if (index.embedded !== index.chunks || index.files !== 70) return null
          const texts = indexedText(ws.dataDir)
          return [...last].every(([target, revision]) => texts.get(target)?.includes(`revision ${revision} of`)) || null
        },
        'every burst note at its last revision',
        120_000,
      )
      expect(watch.child.exitCode).toBeNull()
    } finally {
      clearInterval(sampler)
      await stopWatch(watch)
    }
    // The watcher's queue holds paths, not every event: memory does not grow with the number of edits.
    expect(memory.peakMb, `peak RSS ${memory.peakMb.toFixed(0)} MB`).toBeLessThan(1_500)
    const report = await expectConsistent(ws)
    expect(report.indexedFiles).toHaveLength(70)
  }, 240_000)
})
