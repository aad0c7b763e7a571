import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultSettings, type Settings } from '../../../../../shared/settings'
import { openNote, resolveOpenableNote } from '../../../../../electron/main/notes/open-note'
import { openTestEngine, type EngineFixture } from '../../../../support/engine-fixture'
import { makeTempDir, waitFor, writeFiles } from '../../../../support/temp-dir'

// Real files and links, and a real engine's index answering "is this an indexed note?", as main asks it.
let temp: ReturnType<typeof makeTempDir>
let folder: string
let outside: string
let fixture: EngineFixture
const isIndexedNote = (relativePath: string) => fixture.engine.call('isIndexedNote', [relativePath])

beforeAll(async () => {
  temp = makeTempDir('notes-rag-open-note-')
  folder = path.join(temp.dir, 'notes')
  outside = path.join(temp.dir, 'outside')
  writeFiles(folder, {
    '2024/2024-W01.md': '# 2024-W01\n\n- Shipped the billing service\n',
    'ideas.txt': 'A plain text note about kubernetes.\n',
  })
  writeFiles(outside, { 'secret.md': '# Not a note of this folder\n', 'tool.sh': '#!/bin/sh\necho hi\n' })
  fs.symlinkSync(path.join(outside, 'secret.md'), path.join(folder, 'linked-secret.md'))
  fs.symlinkSync(path.join(outside, 'tool.sh'), path.join(folder, 'tool.md'))
  fs.symlinkSync(path.join(folder, '2024/2024-W01.md'), path.join(folder, 'alias.md'))
  fs.symlinkSync('loop-b.md', path.join(folder, 'loop-a.md'))
  fs.symlinkSync('loop-a.md', path.join(folder, 'loop-b.md'))
  fixture = await openTestEngine(folder)
  await fixture.engine.call('reindex', [])
  // Written after the pass, so the index has never seen it.
  writeFiles(folder, { 'late.md': '# Written after indexing\n' })
}, 120_000)

afterAll(async () => {
  await fixture?.cleanup()
  temp?.cleanup()
})

function settings(editorCommand = ''): Settings {
  const base = defaultSettings()
  return { ...base, folder, ui: { ...base.ui, editorCommand } }
}

describe('resolveOpenableNote (real links, the real index)', () => {
  it('opens an indexed note by its real path', async () => {
    await expect(resolveOpenableNote(folder, '2024/2024-W01.md', isIndexedNote)).resolves.toBe(fs.realpathSync(path.join(folder, '2024/2024-W01.md')))
    await expect(resolveOpenableNote(folder, 'ideas.txt', isIndexedNote)).resolves.toBe(fs.realpathSync(path.join(folder, 'ideas.txt')))
  })

  it('refuses a link whose target is outside the folder, whatever its name, even though the scan indexed it', async () => {
    expect(await isIndexedNote('linked-secret.md')).toBe(true)
    await expect(resolveOpenableNote(folder, 'linked-secret.md', isIndexedNote)).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('links outside') })
    await expect(resolveOpenableNote(folder, 'tool.md', isIndexedNote)).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('links outside') })
  })

  it('refuses what is not an indexed note: a file written after the pass, a non-note file, a loop, a missing file, a path out', async () => {
    await expect(resolveOpenableNote(folder, 'late.md', isIndexedNote)).rejects.toMatchObject({ code: 'not-found', message: expect.stringContaining('Not an indexed note') })
    writeFiles(folder, { 'run.sh': '#!/bin/sh\n' })
    await expect(resolveOpenableNote(folder, 'run.sh', isIndexedNote)).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('Only notes') })
    await expect(resolveOpenableNote(folder, 'loop-a.md', isIndexedNote)).rejects.toMatchObject({ code: 'file-symlink-loop' })
    await expect(resolveOpenableNote(folder, 'gone.md', isIndexedNote)).rejects.toMatchObject({ code: 'file-vanished' })
    await expect(resolveOpenableNote(folder, '../outside/secret.md', isIndexedNote)).rejects.toMatchObject({ code: 'invalid-input' })
    await expect(resolveOpenableNote(folder, '2024', isIndexedNote)).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('regular file') })
  })

  it('a link inside the folder to a note opens that note by its real path', async () => {
    expect(await isIndexedNote('alias.md')).toBe(true)
    await expect(resolveOpenableNote(folder, 'alias.md', isIndexedNote)).resolves.toBe(fs.realpathSync(path.join(folder, '2024/2024-W01.md')))
  })
})

describe('openNote', () => {
  it('without an editor, hands only a text note to the OS handler, by its real path', async () => {
    const opened: string[] = []
    const openPath = async (file: string) => (opened.push(file), '')
    await expect(openNote(settings(), '2024/2024-W01.md', 3, { isIndexedNote, openPath })).resolves.toBe(true)
    expect(opened).toEqual([fs.realpathSync(path.join(folder, '2024/2024-W01.md'))])
    await expect(openNote(settings(), 'linked-secret.md', undefined, { isIndexedNote, openPath })).rejects.toMatchObject({ code: 'invalid-input' })
    expect(opened).toHaveLength(1)
  })

  it('never hands a program disguised as an indexed note to the OS handler', async () => {
    const opened: string[] = []
    const openPath = async (file: string) => (opened.push(file), '')
    // Indexed as notes (the index checks its own things), then their content is swapped for a program.
    const pretend = async () => true
    writeFiles(folder, { 'elf.md': Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(64)]), 'script.md': '#!/bin/sh\nrm -rf ~\n' })
    await expect(openNote(settings(), 'elf.md', undefined, { isIndexedNote: pretend, openPath })).rejects.toMatchObject({ code: 'file-binary' })
    await expect(openNote(settings(), 'script.md', undefined, { isIndexedNote: pretend, openPath })).rejects.toMatchObject({ code: 'file-binary' })
    expect(opened).toEqual([])
    // A BOM before ordinary text is still text.
    writeFiles(folder, { 'bom.md': '\ufeff# Week with a BOM\n' })
    await expect(openNote(settings(), 'bom.md', undefined, { isIndexedNote: pretend, openPath })).resolves.toBe(true)
  })

  it('with an editor command, runs it without a shell on the real path', async () => {
    const marker = path.join(temp.dir, 'editor-argv.json')
    const script = `require('fs').writeFileSync(${JSON.stringify(marker)}, JSON.stringify(process.argv.slice(1)))`
    const command = `"${process.execPath}" -e "${script.replaceAll('"', '\\"')}" -- "{path}:{line}"`
    const openPath = async () => {
      throw new Error('the OS handler must not be used when an editor is set')
    }
    await expect(openNote(settings(command), 'ideas.txt', 4, { isIndexedNote, openPath })).resolves.toBe(true)
    await waitFor(() => fs.existsSync(marker) && fs.statSync(marker).size > 0, { timeoutMs: 30_000, what: 'the editor ran' })
    expect(JSON.parse(fs.readFileSync(marker, 'utf8'))).toEqual([`${fs.realpathSync(path.join(folder, 'ideas.txt'))}:4`])
  })
})
