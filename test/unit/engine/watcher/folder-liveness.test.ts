import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { FolderLiveness, sameFolderIdentity, statFolderIdentity, type FolderIdentity } from '../../../../electron/engine/watcher/folder-liveness'
import { makeTempDir, waitFor } from '../../../support/temp-dir'

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

function folder(): string {
  const temp = makeTempDir('notes-rag-liveness-')
  cleanups.push(temp.cleanup)
  const root = path.join(temp.dir, 'notes')
  fs.mkdirSync(root)
  return root
}

describe('FolderLiveness: one poller for the controller and the watcher', () => {
  it('every listener hears each tick: the identity while the folder is there, null once it is gone', async () => {
    const root = folder()
    const liveness = new FolderLiveness(root, 20)
    cleanups.push(() => liveness.dispose())
    const first: Array<FolderIdentity | null> = []
    const second: Array<FolderIdentity | null> = []
    liveness.onTick((identity) => first.push(identity))
    liveness.onTick((identity) => second.push(identity))
    await waitFor(() => first.length > 0 && second.length > 0, { what: 'a tick' })
    expect(sameFolderIdentity(first[0]!, statFolderIdentity(root))).toBe(true)
    fs.rmSync(root, { recursive: true })
    await waitFor(() => first.at(-1) === null && second.at(-1) === null, { what: 'the folder gone' })
  })

  it('a folder swapped for another at the same path has another identity', () => {
    const root = folder()
    const before = statFolderIdentity(root)
    fs.renameSync(root, `${root}.old`)
    fs.mkdirSync(root)
    expect(sameFolderIdentity(before, statFolderIdentity(root))).toBe(false)
    expect(statFolderIdentity(path.join(root, 'missing'))).toBeNull()
  })

  it('ticks only while someone listens; check() looks at once', async () => {
    const root = folder()
    const liveness = new FolderLiveness(root, 10)
    cleanups.push(() => liveness.dispose())
    const heard: Array<FolderIdentity | null> = []
    const subscription = liveness.onTick((identity) => heard.push(identity))
    await waitFor(() => heard.length >= 2, { what: 'ticks' })
    subscription.dispose()
    const count = heard.length
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(heard.length).toBe(count)
    liveness.onTick((identity) => heard.push(identity))
    liveness.check()
    expect(heard.length).toBe(count + 1)
  })
})
