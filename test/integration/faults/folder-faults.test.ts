import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { SyncContractServer } from '../../support/sync-contract-server'
import {
  expectConsistent,
  FAST_WATCH_ENV,
  indexJson,
  workspacesCleanedAfterAll,
  notesOnDisk,
  runCli,
  stopWatch,
  waitForIndex,
  waitForOutput,
  writeCorpus,
  type Workspace,
} from './reliability-harness'

const workspace = workspacesCleanedAfterAll()

function enableSync(ws: Workspace): void {
  const file = path.join(ws.dataDir, 'settings.json')
  const settings = JSON.parse(fs.readFileSync(file, 'utf8'))
  fs.writeFileSync(file, JSON.stringify({ ...settings, sync: { ...settings.sync, enabled: true } }))
}

describe('fault: the folder disappears or is replaced (real CLI processes)', () => {
  it('index over an emptied folder holds the removals, keeps the index, sends no deletion; --confirm-removals applies them', async () => {
    const ws = await workspace('empty', 60)
    const original = notesOnDisk(ws.folder)
    const server = await SyncContractServer.start({ token: 'fault-token' })
    try {
      const syncFlags = ['--gateway-url', server.baseUrl, '--gateway-token', 'fault-token']
      expect((await indexJson(ws)).summary).toMatchObject({ added: 60, removed: 0 })
      enableSync(ws)
      expect((await runCli(['sync', '--json', ...ws.flags, ...syncFlags])).code).toBe(0)
      expect(server.notes.size).toBe(60)

      // What an unmounted drive's mount point looks like: an empty folder at the same path.
      fs.renameSync(ws.folder, `${ws.folder}.away`)
      fs.mkdirSync(ws.folder)
      const held = await indexJson(ws)
      expect(held.summary).toMatchObject({ removed: 0, removalsHeld: 60 })
      expect(held.status).toMatchObject({ folderState: 'suspect', files: 60, heldRemovals: { reason: 'folder-empty', removals: 60, indexedFiles: 60 } })
      const human = await runCli(['status', ...ws.flags])
      expect(human.stdout).toMatch(/\[suspect\]/)
      expect(human.stdout).toMatch(/60 removals held because the folder is empty.*notes-rag index --confirm-removals/)

      // Sync while held: nothing is deleted on the gateway.
      const sync = await runCli(['sync', '--json', ...ws.flags, ...syncFlags])
      expect(sync.code, sync.stderr).toBe(0)
      expect(JSON.parse(sync.stdout).deletes).toEqual([])
      expect(server.notes.size).toBe(60)
      await expectConsistent(ws, { expectFiles: original })

      // The drive comes back: nothing was lost, nothing is embedded again, the question is gone.
      fs.rmdirSync(ws.folder)
      fs.renameSync(`${ws.folder}.away`, ws.folder)
      const back = await indexJson(ws)
      expect(back.summary).toMatchObject({ removed: 0, unchanged: 60, chunksEmbedded: 0 })
      expect(back.summary.removalsHeld).toBeUndefined()
      expect(back.status.folderState).toBe('ok')
      expect(back.status.heldRemovals).toBeUndefined()

      // Really gone this time, and the user says so.
      fs.rmSync(ws.folder, { recursive: true })
      fs.mkdirSync(ws.folder)
      expect((await indexJson(ws)).summary.removalsHeld).toBe(60)
      const confirmed = await indexJson(ws, ['--confirm-removals'])
      expect(confirmed.summary).toMatchObject({ removed: 60 })
      expect(confirmed.status).toMatchObject({ folderState: 'ok', files: 0, chunks: 0 })
      await expectConsistent(ws)
      expect((await runCli(['sync', '--json', ...ws.flags, ...syncFlags])).code).toBe(0)
      expect(server.notes.size).toBe(0)
    } finally {
      await server.close()
    }
  }, 180_000)

  it('a folder deleted by more than a small share is held; a small clean-up is applied', async () => {
    const ws = await workspace('share', 60)
    await indexJson(ws)
    fs.rmSync(path.join(ws.folder, '2019'), { recursive: true })
    const held = await indexJson(ws)
    expect(held.summary).toMatchObject({ removed: 0, removalsHeld: 52 })
    expect(held.status.heldRemovals).toMatchObject({ reason: 'mass-removal', removals: 52 })
    // Within the guard (at most 10 notes, or a fifth of them): applied at once.
    writeCorpus(ws.folder, 52)
    expect((await indexJson(ws)).status.folderState).toBe('ok')
    for (const index of [0, 1, 2]) fs.rmSync(path.join(ws.folder, `2019/2019-W0${index + 1}.md`))
    const small = await indexJson(ws)
    expect(small.summary).toMatchObject({ removed: 3 })
    expect(small.status.folderState).toBe('ok')
    await expectConsistent(ws)
  }, 180_000)

  it('watch: a fast and a slow swap for an empty folder hold the removals; the watcher re-attaches and indexes new notes; restoring clears it', async () => {
    const ws = await workspace('swap', 40)
    const original = notesOnDisk(ws.folder)
    const watch = runCli(['watch', ws.folder, ...ws.flags], FAST_WATCH_ENV)
    try {
      await waitForOutput(watch, /ready: 40 files/, 'first pass')

      // Fast: inside one liveness tick, the folder is moved away and an empty one made in its place.
      fs.renameSync(ws.folder, `${ws.folder}.away`)
      fs.mkdirSync(ws.folder)
      await waitForOutput(watch, /40 removals held because the folder is empty/, 'held after a fast swap')
      expect((await waitForIndex(ws.dataDir, (index) => index.held && index, 'held state')).files).toBe(40)

      // The watcher follows the new folder: a note written there is indexed (and embedded).
      fs.writeFileSync(path.join(ws.folder, 'fresh-1.md'), '# Fresh\n\nWritten into the replacement folder about kubernetes.')
      await waitForIndex(ws.dataDir, (index) => index.paths.includes('fresh-1.md') && index.embedded === index.chunks, 'a note in the replacement folder indexed')

      // Slow: the folder is gone long enough to be reported unavailable, then an empty one appears.
      fs.renameSync(ws.folder, `${ws.folder}.second`)
      await waitForOutput(watch, /paused: the folder is unavailable/, 'unavailable during a slow swap')
      fs.mkdirSync(ws.folder)
      fs.writeFileSync(path.join(ws.folder, 'fresh-2.md'), '# Fresh two\n\nAfter a slow swap, about billing.')
      await waitForIndex(ws.dataDir, (index) => index.paths.includes('fresh-2.md') && index.embedded === index.chunks, 'a note after a slow swap indexed')
      const during = await waitForIndex(ws.dataDir, (index) => index.held && index, 'still held')
      expect(during.paths).toEqual(expect.arrayContaining(original))

      // The real folder is back at its path: the two notes of the replacements are a small removal, applied.
      fs.rmSync(ws.folder, { recursive: true })
      fs.renameSync(`${ws.folder}.away`, ws.folder)
      await waitForIndex(ws.dataDir, (index) => !index.held && index.files === 40 && index, 'restored and no longer held')
    } finally {
      await stopWatch(watch)
    }
    await expectConsistent(ws, { expectFiles: original })
  }, 180_000)

  it('watch: a folder deleted is paused with the index kept; recreated with the same notes, nothing is embedded again', async () => {
    const ws = await workspace('deleted', 30)
    const original = notesOnDisk(ws.folder)
    await indexJson(ws)
    const watch = runCli(['watch', ws.folder, ...ws.flags], FAST_WATCH_ENV)
    let chunksBefore = 0
    try {
      await waitForOutput(watch, /ready: 30 files/, 'first pass')
      chunksBefore = (await waitForIndex(ws.dataDir, (index) => index, 'index')).chunks
      fs.rmSync(ws.folder, { recursive: true })
      await waitForOutput(watch, /paused: the folder is unavailable \(the index is kept\)/, 'paused')
      expect((await waitForIndex(ws.dataDir, (index) => index, 'index')).files).toBe(30)
      writeCorpus(ws.folder, 30)
      await waitForOutput(watch, /ready: 30 files[^\n]*\n(?![\s\S]*paused)/, 'ready again')
    } finally {
      await stopWatch(watch)
    }
    const report = await expectConsistent(ws, { expectFiles: original })
    expect(report.chunks).toBe(chunksBefore)
    // The restored copy matched by content: a pass over it now has nothing to do.
    expect((await indexJson(ws)).summary).toMatchObject({ unchanged: 30, chunksEmbedded: 0 })
  }, 180_000)
})
