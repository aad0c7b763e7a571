import path from 'node:path'
import { describe, expect, it, vi } from 'vitest'
vi.mock('electron', async () => (await import('../../../support/electron-mock')).electronModule)

import { editorArgv, splitCommandLine } from '../../../../electron/main/notes/editor-command'
import { resolveNotePath } from '../../../../electron/main/notes/open-note'

describe('splitCommandLine', () => {
  const cases: Array<[string, string[]]> = [
    ['code -g {path}:{line}', ['code', '-g', '{path}:{line}']],
    ['  subl   {path}:{line}  ', ['subl', '{path}:{line}']],
    ['"/Applications/Visual Studio Code.app/Contents/MacOS/Electron" {path}', ['/Applications/Visual Studio Code.app/Contents/MacOS/Electron', '{path}']],
    ["emacsclient -n '+{line}' {path}", ['emacsclient', '-n', '+{line}', '{path}']],
    ['vim "+{line}" "{path}"', ['vim', '+{line}', '{path}']],
    ['echo "a \\"quoted\\" word"', ['echo', 'a "quoted" word']],
    ['a ""', ['a', '']],
    ['x; rm -rf ~', ['x;', 'rm', '-rf', '~']],
  ]
  for (const [input, expected] of cases) {
    it(`splits ${JSON.stringify(input)}`, () => expect(splitCommandLine(input)).toEqual(expected))
  }
  it('refuses an unclosed quote', () => expect(() => splitCommandLine('code "{path}')).toThrow(/Unclosed/))
})

describe('editorArgv', () => {
  const note = '/home/me/my logs/2023-W14.md'
  it('replaces {path} and {line} inside words, keeping a path with spaces as one argument', () => {
    expect(editorArgv('code -g {path}:{line}', note, 12)).toEqual({ file: 'code', args: ['-g', `${note}:12`] })
  })
  it('appends the path when the command has no {path}', () => {
    expect(editorArgv('typora', note, undefined)).toEqual({ file: 'typora', args: [note] })
  })
  it('uses line 1 when no line is known', () => {
    expect(editorArgv('vim +{line} {path}', note, undefined)).toEqual({ file: 'vim', args: ['+1', note] })
  })
  it('refuses an empty command', () => expect(() => editorArgv('   ', note, 1)).toThrow(/empty/))
})

describe('resolveNotePath', () => {
  const folder = path.resolve('/home/me/logs')
  it('resolves inside the folder', () => expect(resolveNotePath(folder, '2024/2024-03-11.md')).toBe(path.join(folder, '2024', '2024-03-11.md')))
  it('refuses paths that leave the folder', () => {
    expect(() => resolveNotePath(folder, '../secrets.md')).toThrow(/leaves the notes folder/)
    expect(() => resolveNotePath(folder, '/etc/passwd')).toThrow(/leaves the notes folder/)
  })
  it('needs a folder', () => expect(() => resolveNotePath(null, 'a.md')).toThrow(/Choose a notes folder/))
})
