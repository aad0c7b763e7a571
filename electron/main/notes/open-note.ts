import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { shell } from 'electron'
import { BrainError } from '../../../shared/errors'
import type { Settings } from '../../../shared/settings'
import { editorArgv } from './editor-command'

/** Absolute path of a note given relative to the folder; refuses paths that leave the folder. */
export function resolveNotePath(folder: string | null, relativePath: string): string {
  if (!folder) throw new BrainError('folder-not-set', 'Choose a notes folder first.')
  if (typeof relativePath !== 'string' || relativePath.length === 0) throw new BrainError('invalid-input', 'No note path given.')
  const root = path.resolve(folder)
  const absolute = path.resolve(root, relativePath)
  const inside = path.relative(root, absolute)
  if (inside.startsWith('..') || path.isAbsolute(inside)) {
    throw new BrainError('invalid-input', `The note path leaves the notes folder: ${relativePath}`)
  }
  return absolute
}

/**
 * Opens a note in the user's editor (`ui.editorCommand`, spawned without a shell) or the OS default app.
 * Resolves once the editor was started; the editor itself runs detached.
 */
export async function openNote(settings: Settings, relativePath: string, line?: number): Promise<boolean> {
  const absolute = resolveNotePath(settings.folder, relativePath)
  if (!fs.existsSync(absolute)) throw new BrainError('file-vanished', `The note no longer exists: ${relativePath}`, { details: { path: relativePath } })
  const command = settings.ui.editorCommand.trim()
  if (command === '') {
    const failure = await shell.openPath(absolute)
    if (failure) throw new BrainError('internal', `The system could not open the note: ${failure}`, { details: { path: relativePath } })
    return true
  }
  let argv: { file: string; args: string[] }
  try {
    argv = editorArgv(command, absolute, line)
  } catch (error) {
    throw new BrainError('invalid-input', `The editor command is not valid: ${(error as Error).message}`, { cause: error })
  }
  await new Promise<void>((resolve, reject) => {
    const child = spawn(argv.file, argv.args, { shell: false, detached: true, stdio: 'ignore', windowsHide: false })
    child.once('error', (error) =>
      reject(new BrainError('invalid-input', `The editor could not be started (${argv.file}): ${error.message}`, { cause: error })),
    )
    child.once('spawn', () => {
      child.unref()
      resolve()
    })
  })
  return true
}
