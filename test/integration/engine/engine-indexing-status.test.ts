import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { IndexSnapshot } from '../../../shared/index-status'
import { openTestEngine } from '../../support/engine-fixture'
import { makeTempDir, waitFor, writeFiles } from '../../support/temp-dir'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const notes = {
  '2024/2024-W10.md': '# 2024-W10\n\n## Done\n\n- Finished the Postgres migration with Priya\n',
  '2024/2024-W11.md': '# 2024-W11\n\n## Done\n\n- First try of Kubernetes on the staging cluster\n',
}

describe('the pushed index status (one state, phases derived from it)', () => {
  it('pause, resume and a folder that vanishes and returns: each shows its phase, and a returning folder never flashes ready before its pass', async () => {
    const temp = makeTempDir('notes-rag-status-')
    cleanups.push(temp.cleanup)
    const folder = path.join(temp.dir, 'weekly')
    writeFiles(folder, notes)
    const fixture = await openTestEngine(folder, { watch: true })
    cleanups.push(fixture.cleanup)
    const { engine } = fixture
    const pushed: IndexSnapshot[] = []
    engine.on('index-status', (snapshot) => pushed.push(snapshot))
    const phases = () => pushed.map((snapshot) => (snapshot.phase.type === 'paused' ? `paused:${snapshot.phase.reason}` : snapshot.phase.type))
    await waitFor(async () => (await engine.call('getStatus', [])).phase.type === 'ready', { what: 'first pass' })

    expect((await engine.call('pauseIndexing', [])).phase).toEqual({ type: 'paused', reason: 'user' })
    // Resuming starts a pass, and says so at once.
    expect((await engine.call('resumeIndexing', [])).phase).toEqual({ type: 'scanning' })
    await waitFor(() => phases().at(-1) === 'ready', { what: 'ready after resume' })

    const aside = `${folder}-away`
    fs.renameSync(folder, aside)
    await waitFor(() => phases().at(-1) === 'paused:folder-unavailable', { what: 'paused while away', timeoutMs: 15_000 })
    const away = pushed.length
    expect(pushed.at(-1)).toMatchObject({ folderState: 'unavailable', files: 2 })
    fs.renameSync(aside, folder)
    await waitFor(() => pushed.length > away && phases().at(-1) === 'ready', { what: 'ready after the folder came back', timeoutMs: 15_000 })
    const after = phases().slice(away).filter((phase) => !phase.startsWith('paused'))
    expect(after[0]).toBe('scanning')
    expect(after.indexOf('ready')).toBeGreaterThan(0)
    expect((await engine.call('getStatus', [])).folderState).toBe('ok')
  })
})
