import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  expectConsistent,
  FAST_WATCH_ENV,
  indexJson,
  workspacesCleanedAfterAll,
  peekIndex,
  runCli,
  writeCorpus,
  type CliProcess,
} from './reliability-harness'

const workspace = workspacesCleanedAfterAll()

type Index = NonNullable<ReturnType<typeof peekIndex>>

/**
 * SIGKILLs the process the moment `point` first holds for the index it is writing (polled through a read-only
 * connection). Resolves with whether it was killed there, or finished first.
 */
async function killAt(process: CliProcess, dataDir: string, point: (index: Index) => boolean): Promise<'killed' | 'finished'> {
  let done = false
  void process.then(() => (done = true))
  while (!done) {
    const index = peekIndex(dataDir)
    if (index && point(index)) {
      process.child.kill('SIGKILL')
      break
    }
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  const result = await process
  return result.signal === 'SIGKILL' ? 'killed' : 'finished'
}

describe('fault: SIGKILL (real CLI processes)', () => {
  it('index killed while opening, adding files, embedding and at the end: the next pass completes it, nothing twice', async () => {
    const ws = await workspace('kill-index', 160)
    const index = () => runCli(['index', ws.folder, '--json', ...ws.flags])
    let seenFiles = 0
    let seenEmbedded = 0
    const points: Array<[string, (index: Index) => boolean]> = [
      ['the database open', () => true],
      ['files being added', (state) => state.files > seenFiles && state.files < 160],
      ['more files being added', (state) => state.files > seenFiles && state.files < 160],
      ['vectors being written', (state) => state.embedded > seenEmbedded && state.embedded < state.chunks],
      ['more vectors being written', (state) => state.embedded > seenEmbedded && state.embedded < state.chunks],
    ]
    const outcomes: string[] = []
    for (const [name, point] of points) {
      const outcome = await killAt(index(), ws.dataDir, point)
      outcomes.push(`${name}: ${outcome}`)
      const state = peekIndex(ws.dataDir)
      seenFiles = state?.files ?? 0
      seenEmbedded = state?.embedded ?? 0
      if (outcome === 'finished') break
    }
    // The kills really landed inside the work (a pass that finishes first would prove nothing).
    expect(outcomes.filter((outcome) => outcome.endsWith('killed')).length, outcomes.join('\n')).toBeGreaterThanOrEqual(3)

    const resumed = await indexJson(ws)
    expect(resumed.status).toMatchObject({ files: 160, folderState: 'ok' })
    expect(resumed.status.vectors).toBe(resumed.status.chunks)
    const report = await expectConsistent(ws)
    expect(report.indexedFiles).toHaveLength(160)
    // A pass after that has nothing left to do: every file and vector was written exactly once.
    expect((await indexJson(ws)).summary).toMatchObject({ unchanged: 160, added: 0, chunksEmbedded: 0 })
  }, 240_000)

  it('watch killed while taking in new notes and while embedding them: the next start catches up', async () => {
    const ws = await workspace('kill-watch', 40)
    await indexJson(ws)
    const watch = () => runCli(['watch', ws.folder, ...ws.flags], FAST_WATCH_ENV)

    // Notes arrive while watching; the process dies half way through taking them in.
    let first = watch()
    await waitForReady(first)
    writeCorpus(ws.folder, 120, 40)
    const adding = await killAt(first, ws.dataDir, (state) => state.files > 40 && state.files < 160)

    // Restarted, it catches up on its first pass and dies again while writing vectors.
    const second = watch()
    const embedding = await killAt(second, ws.dataDir, (state) => state.files > 40 && state.embedded < state.chunks && state.embedded > 0)
    expect([adding, embedding], 'both kills landed in the work').toEqual(['killed', 'killed'])

    // Edits after the kill: a third watch indexes them and everything before.
    for (const relative of ['2019/2019-W01.md', '2019/2019-W02.md']) fs.appendFileSync(path.join(ws.folder, relative), '\n\nEdited after the crash about tracing.\n')
    first = watch()
    await waitForReady(first)
    first.child.kill('SIGINT')
    const stopped = await first
    expect(stopped.code, stopped.stderr).toBe(0)
    const report = await expectConsistent(ws)
    expect(report.indexedFiles).toHaveLength(160)
    expect((await indexJson(ws)).summary).toMatchObject({ unchanged: 160, chunksEmbedded: 0 })
  }, 240_000)
})

async function waitForReady(process: CliProcess): Promise<void> {
  const started = Date.now()
  while (!/ready: \d+ files/.test(process.output())) {
    if (Date.now() - started > 90_000) throw new Error(`watch never became ready:\n${process.output().slice(-2000)}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
