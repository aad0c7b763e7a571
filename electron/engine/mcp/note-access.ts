import fs from 'node:fs/promises'
import path from 'node:path'
import { BrainError, errorMessage } from '../../../shared/errors'
import { readNoteFile } from '../indexer/read-note-file'
import { hasIndexedExtension, isIgnoredPath, toRelativePath } from '../watcher/ignore-rules'

/** What a caller outside the app may read: notes inside the folder, nothing else. */
export interface NoteAccessRules {
  folder: string
  extensions: readonly string[]
  maxFileBytes: number
}

/** A note resolved to a real file inside the folder. */
export interface ResolvedNote {
  /** Relative to the folder, forward slashes (the index's form). */
  path: string
  absolutePath: string
}

/** A note's text, whole or a line range of it. */
export interface NoteExcerpt {
  path: string
  /** 1-based, inclusive; the whole note when no range was asked. */
  startLine: number
  endLine: number
  totalLines: number
  text: string
}

/**
 * Resolves a note path given by an MCP client (untrusted): relative to the folder, no escape through `..`, an
 * absolute path or a symlink, no hidden or ignored files, only the indexed extensions. Both sides are compared
 * after `realpath`, so a symlink inside the folder that points out of it is refused like `../`.
 */
export async function resolveNote(rules: NoteAccessRules, requested: string): Promise<ResolvedNote> {
  if (typeof requested !== 'string' || requested.trim() === '' || requested.includes('\0')) {
    throw new BrainError('invalid-input', 'A note path is required (relative to the notes folder, e.g. 2024/2024-W14.md).')
  }
  const root = await realFolder(rules.folder)
  const candidate = path.resolve(root, requested.replace(/\\/g, '/'))
  if (!isInside(root, candidate)) throw outside(requested)
  let real: string
  try {
    real = await fs.realpath(candidate)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BrainError('not-found', `No note at ${requested}.`, { details: { path: requested } })
    throw new BrainError('file-unreadable', `Cannot read ${requested}: ${errorMessage(error)}`, { cause: error })
  }
  if (!isInside(root, real)) throw outside(requested)
  const relative = toRelativePath(root, real)
  if (isIgnoredPath(relative) || !hasIndexedExtension(relative, rules.extensions)) {
    throw new BrainError('invalid-input', `${requested} is not a note (notes are ${rules.extensions.join(', ')} files outside hidden folders).`, {
      details: { path: requested },
    })
  }
  return { path: relative, absolutePath: real }
}

/** Reads a resolved note, optionally lines `startLine`..`endLine` (1-based, inclusive, clamped to the note). */
export async function readNoteExcerpt(rules: NoteAccessRules, requested: string, range: { startLine?: number; endLine?: number } = {}): Promise<NoteExcerpt> {
  const note = await resolveNote(rules, requested)
  const file = await readNoteFile(note.absolutePath, note.path, rules.maxFileBytes)
  const lines = file.text.split(/\r?\n/)
  // A trailing newline does not start another line.
  if (lines.length > 1 && lines.at(-1) === '') lines.pop()
  const totalLines = lines.length
  const startLine = range.startLine ?? 1
  const endLine = Math.min(range.endLine ?? totalLines, totalLines)
  if (!Number.isInteger(startLine) || startLine < 1) throw new BrainError('invalid-input', 'startLine must be a whole number of at least 1.')
  if (startLine > totalLines) throw new BrainError('invalid-input', `${note.path} has ${totalLines} lines; startLine ${startLine} is past its end.`)
  if (!Number.isInteger(endLine) || endLine < startLine) throw new BrainError('invalid-input', `endLine must be at least startLine (${startLine}).`)
  return { path: note.path, startLine, endLine, totalLines, text: lines.slice(startLine - 1, endLine).join('\n') }
}

async function realFolder(folder: string): Promise<string> {
  try {
    return await fs.realpath(folder)
  } catch (error) {
    throw new BrainError('folder-unavailable', `The notes folder ${folder} cannot be read: ${errorMessage(error)}`, { cause: error })
  }
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate)
  return relative !== '' && !relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative)
}

function outside(requested: string): BrainError {
  return new BrainError('invalid-input', `${requested} is outside the notes folder; only notes inside it can be read.`, { details: { path: requested } })
}
