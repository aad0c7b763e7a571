import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { FolderWatcher, type FileChange } from '../../../../electron/engine/watcher/folder-watcher'
import { makeTempDir, waitFor, writeFiles } from '../../../support/temp-dir'

const cleanups: Array<() => void | Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function startWatcher(root: string) {
  const batches: FileChange[][] = []
  const states: string[] = []
  const watcher = await FolderWatcher.start({
    root,
    extensions: ['.md', '.markdown', '.txt'],
    debounceMs: 80,
    writeStabilityMs: 60,
    livenessIntervalMs: 100,
    onChanges: (changes) => batches.push(changes),
    onFolderState: (state) => states.push(state),
  })
  cleanups.push(() => watcher.dispose())
  const changes = () => batches.flat()
  return { watcher, batches, states, changes }
}

function tempFolder(): string {
  const { dir, cleanup } = makeTempDir('notes-rag-watch-')
  cleanups.push(cleanup)
  const root = path.join(dir, 'notes')
  fs.mkdirSync(root)
  return root
}

describe('FolderWatcher (real chokidar)', () => {
  it('reports add, change and delete of notes, relative and settled', async () => {
    const root = tempFolder()
    const { changes } = await startWatcher(root)
    writeFiles(root, { '2023/2023-W14.md': '# Week 14\n' })
    await waitFor(() => changes().some((c) => c.path === '2023/2023-W14.md' && c.type === 'upsert'), { what: 'add' })
    fs.appendFileSync(path.join(root, '2023/2023-W14.md'), '- shipped search\n')
    await waitFor(() => changes().filter((c) => c.path === '2023/2023-W14.md').length >= 2, { what: 'change' })
    fs.rmSync(path.join(root, '2023/2023-W14.md'))
    await waitFor(() => changes().some((c) => c.path === '2023/2023-W14.md' && c.type === 'remove'), { what: 'remove' })
  })

  it('ignores dot-folders, node_modules, editor swap files and other extensions', async () => {
    const root = tempFolder()
    const { changes } = await startWatcher(root)
    writeFiles(root, {
      '.obsidian/workspace.md': 'x',
      '.git/notes.md': 'x',
      'node_modules/a/readme.md': 'x',
      '.2023-W15.md.swp': 'x',
      '2023-W15.md~': 'x',
      'image.png': 'x',
      'real.md': '# real',
    })
    await waitFor(() => changes().some((c) => c.path === 'real.md'), { what: 'real.md' })
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(changes().map((c) => c.path)).toEqual(['real.md'])
  })

  it('debounces a burst into one batch with the last state of each file', async () => {
    const root = tempFolder()
    const { batches } = await startWatcher(root)
    for (let i = 0; i < 20; i++) writeFiles(root, { [`w${i}.md`]: `# ${i}` })
    await waitFor(() => batches.flat().length >= 20, { what: 'burst' })
    expect(batches.length).toBeLessThan(20)
    expect(new Set(batches.flat().map((c) => c.path)).size).toBe(20)
  })

  it('reports the folder unavailable when it vanishes, drops the unlink noise, and recovers when it returns', async () => {
    const root = tempFolder()
    writeFiles(root, { 'a.md': '# a', 'b.md': '# b' })
    const { states, changes } = await startWatcher(root)
    const aside = `${root}-aside`
    fs.renameSync(root, aside)
    await waitFor(() => states.includes('unavailable'), { what: 'unavailable' })
    expect(changes().filter((c) => c.type === 'remove')).toEqual([])
    fs.renameSync(aside, root)
    await waitFor(() => states.at(-1) === 'ok', { what: 'ok again' })
    writeFiles(root, { 'c.md': '# c' })
    await waitFor(() => changes().some((c) => c.path === 'c.md'), { what: 'events after recovery' })
  })
})
