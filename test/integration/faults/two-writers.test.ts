import { describe, expect, it } from 'vitest'
import {
  expectConsistent,
  FAST_WATCH_ENV,
  workspacesCleanedAfterAll,
  runCli,
  stopWatch,
  waitForOutput,
  writeCorpus,
} from './reliability-harness'

const workspace = workspacesCleanedAfterAll()

describe('fault: two processes on one data folder (real CLI processes)', () => {
  it('index beside a running watch is refused naming it; status reads meanwhile; index --wait runs once watch stops', async () => {
    const ws = await workspace('two-writers', 30)
    const watch = runCli(['watch', ws.folder, ...ws.flags], FAST_WATCH_ENV)
    let waited: ReturnType<typeof runCli> | null = null
    try {
      await waitForOutput(watch, /ready: 30 files/, 'first pass')
      const refused = await runCli(['index', ws.folder, ...ws.flags])
      expect(refused.code).toBe(1)
      expect(refused.stderr).toMatch(new RegExp(`being written by notes-rag watch \\(pid ${watch.child.pid}.*--wait`))
      const status = await runCli(['status', ...ws.flags])
      expect(status.code, status.stderr).toBe(0)
      expect(status.stdout).toMatch(/Files:\s+30/)

      writeCorpus(ws.folder, 10, 30)
      waited = runCli(['index', ws.folder, '--json', '--wait', ...ws.flags])
      await waitForOutput(waited, /waiting for notes-rag watch \(pid \d+/, 'index --wait says whom it waits for')
    } finally {
      await stopWatch(watch)
    }
    const result = await waited!
    expect(result.code, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout).status.files).toBe(40)
    await expectConsistent(ws)
  }, 180_000)
})
