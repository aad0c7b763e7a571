import { BrainError, errorMessage } from '../../../shared/errors'
import type { Settings } from '../../../shared/settings'
import type { AskUser, UserPrompt } from '../dialogs/ask-user'
import { splitCommandLine } from './editor-command'

/** The question shown before a new editor command is saved: it names the program and its arguments. */
export function editorCommandPrompt(command: string): UserPrompt {
  // The placeholders stay visible: what runs is this program with these words, {path} and {line} filled in.
  const words = splitCommandLine(command)
  if (words.length === 0) throw new BrainError('invalid-input', 'The editor command is empty')
  if (!words.some((word) => word.includes('{path}'))) words.push('{path}')
  const [file, ...rest] = words
  const argv = { file: file! }
  const args = rest.map((word) => (/\s/.test(word) || word === '' ? JSON.stringify(word) : word)).join(' ')
  return {
    type: 'warning',
    title: 'Editor for notes',
    message: 'Open your notes with this program?',
    detail: `notes-rag will run, without a shell, for each note you open:\n\n${argv.file}${args ? ` ${args}` : ''}\n\nOnly confirm a program you chose yourself.`,
    buttons: ['Cancel', 'Use this program'],
    defaultId: 0,
    cancelId: 0,
  }
}

/**
 * Sets `ui.editorCommand` the only way the app allows: a malformed command is refused, a new program is saved
 * only after the user confirms it in a native dialog, and clearing it (back to the OS's app for text) needs no
 * question. Resolves false when the user declined or nothing changed.
 */
export async function setEditorCommandConfirmed(
  command: unknown,
  dependencies: { current: () => Settings; ask: AskUser; save: (command: string) => Promise<Settings> },
): Promise<boolean> {
  if (typeof command !== 'string') throw new BrainError('invalid-input', 'The editor command must be a string.')
  const value = command.trim()
  if (value === dependencies.current().ui.editorCommand) return false
  if (value !== '') {
    let prompt: UserPrompt
    try {
      prompt = editorCommandPrompt(value)
    } catch (error) {
      throw new BrainError('invalid-input', `The editor command is not valid: ${errorMessage(error)}`, { cause: error })
    }
    const answer = await dependencies.ask(prompt)
    if (answer !== 1) return false
  }
  await dependencies.save(value)
  return true
}
