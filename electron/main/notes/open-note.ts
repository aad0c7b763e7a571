import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { BrainError, errorMessage } from '../../../shared/errors'
import type { Settings } from '../../../shared/settings'
import { editorArgv } from './editor-command'

/** The extensions a note can have (the engine indexes exactly these); nothing else is ever opened. */
export const NOTE_FILE_EXTENSIONS = ['.md', '.markdown', '.txt'] as const

/** How many leading bytes are checked before a note is handed to the OS's default app. */
const TEXT_CHECK_BYTES = 64 * 1024

/** What opening a note needs from outside: the engine's index and the OS handler (Electron's `shell.openPath`). */
export interface OpenNoteDependencies {
  /** True when the engine has this path (relative to the folder) as an indexed note. */
  isIndexedNote(relativePath: string): Promise<boolean>
  /** Opens a file with the OS's default app; resolves with an error message, '' on success. */
  openPath(absolutePath: string): Promise<string>
  /** Starts the editor; `child_process.spawn` unless a test passes its own. */
  spawn?: typeof spawn
}

/** Absolute path of a note given relative to the folder; refuses paths that leave the folder (lexically). */
export function resolveNotePath(folder: string | null, relativePath: string): string {
  if (!folder) throw new BrainError('folder-not-set', 'Choose a notes folder first.')
  if (typeof relativePath !== 'string' || relativePath.length === 0) throw new BrainError('invalid-input', 'No note path given.')
  const root = path.resolve(folder)
  const absolute = path.resolve(root, relativePath)
  if (!isInside(root, absolute)) throw new BrainError('invalid-input', `The note path leaves the notes folder: ${relativePath}`)
  return absolute
}

/**
 * The real path of a note that may be opened: inside the real notes folder once every link is resolved, a
 * regular file with a note extension, and indexed by the engine. Anything else is refused with a clear error.
 */
export async function resolveOpenableNote(folder: string | null, relativePath: string, isIndexedNote: OpenNoteDependencies['isIndexedNote']): Promise<string> {
  const absolute = resolveNotePath(folder, relativePath)
  let realFolder: string
  try {
    realFolder = await fs.promises.realpath(folder!)
  } catch (error) {
    throw new BrainError('folder-unavailable', `The notes folder cannot be read: ${errorMessage(error)}`, { cause: error })
  }
  let real: string
  try {
    real = await fs.promises.realpath(absolute)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ELOOP') throw new BrainError('file-symlink-loop', `The note is a link that loops: ${relativePath}`, { details: { path: relativePath } })
    throw new BrainError('file-vanished', `The note no longer exists: ${relativePath}`, { details: { path: relativePath }, cause: error })
  }
  // A link in the folder must not open its target elsewhere (a link to ~/.ssh/config, /usr/bin/…).
  if (!isInside(realFolder, real)) {
    throw new BrainError('invalid-input', `The note links outside the notes folder, so it is not opened: ${relativePath}`, { details: { path: relativePath } })
  }
  const stat = await fs.promises.stat(real)
  if (!stat.isFile()) throw new BrainError('invalid-input', `Not a regular file, so it is not opened: ${relativePath}`, { details: { path: relativePath } })
  if (!hasNoteExtension(real) || !hasNoteExtension(absolute)) {
    throw new BrainError('invalid-input', `Only notes (${NOTE_FILE_EXTENSIONS.join(', ')}) are opened: ${relativePath}`, { details: { path: relativePath } })
  }
  if (!(await isIndexedNote(relativePath))) {
    throw new BrainError('not-found', `Not an indexed note, so it is not opened: ${relativePath}`, { details: { path: relativePath } })
  }
  return real
}

/**
 * Opens an indexed note in the user's editor (`ui.editorCommand`, spawned without a shell), or else in the OS's
 * default app for text, which is only asked to open a note-extension file whose content is text: an `.md`
 * holding a program (NUL bytes, a `#!` line) could be content-sniffed into something that runs. Resolves once
 * the editor was started; the editor itself runs detached.
 */
export async function openNote(settings: Settings, relativePath: string, line: number | undefined, dependencies: OpenNoteDependencies): Promise<boolean> {
  const real = await resolveOpenableNote(settings.folder, relativePath, dependencies.isIndexedNote)
  const command = settings.ui.editorCommand.trim()
  if (command === '') {
    await assertPlainText(real, relativePath)
    const failure = await dependencies.openPath(real)
    if (failure) throw new BrainError('internal', `The system could not open the note: ${failure}`, { details: { path: relativePath } })
    return true
  }
  let argv: { file: string; args: string[] }
  try {
    argv = editorArgv(command, real, line)
  } catch (error) {
    throw new BrainError('invalid-input', `The editor command is not valid: ${errorMessage(error)}`, { cause: error })
  }
  const start = dependencies.spawn ?? spawn
  await new Promise<void>((resolve, reject) => {
    const child = start(argv.file, argv.args, { shell: false, detached: true, stdio: 'ignore', windowsHide: false })
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

/** Refuses content that is not plain text: NUL bytes (every executable format has them) or a `#!` interpreter line. */
export async function assertPlainText(file: string, relativePath: string): Promise<void> {
  const handle = await fs.promises.open(file, 'r')
  let head: Buffer
  try {
    const buffer = Buffer.alloc(TEXT_CHECK_BYTES)
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0)
    head = buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
  const text = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? head.subarray(3) : head
  if (text.includes(0) || text.subarray(0, 2).toString('latin1') === '#!') {
    throw new BrainError('file-binary', `The note does not look like text, so it is not handed to the system (set an editor command to open it): ${relativePath}`, {
      details: { path: relativePath },
    })
  }
}

function hasNoteExtension(file: string): boolean {
  return (NOTE_FILE_EXTENSIONS as readonly string[]).includes(path.extname(file).toLowerCase())
}

function isInside(root: string, candidate: string): boolean {
  const inside = path.relative(root, candidate)
  return inside !== '' && !inside.startsWith(`..${path.sep}`) && inside !== '..' && !path.isAbsolute(inside)
}
