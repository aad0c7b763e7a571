import { createHash } from 'node:crypto'
import { constants as fsConstants } from 'node:fs'
import fs from 'node:fs/promises'
import { BrainError } from '../../../shared/errors'
import { problemFor } from './scan-folder'

/** A note's bytes, decoded and hashed. */
export interface NoteFile {
  text: string
  sha256: string
  size: number
  mtimeMs: number
}

/** `details.reason` of the error for a FIFO, socket or device: skipped like `index`'s scan skips it, not recorded. */
export const NOT_REGULAR_FILE = 'not-regular-file'

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/**
 * Reads one note. Refuses files over `maxBytes`, binary files (NUL bytes) and invalid UTF-8 with a typed error
 * per file, so one bad file never stops the rest.
 */
export async function readNoteFile(absolutePath: string, relativePath: string, maxBytes: number): Promise<NoteFile> {
  let handle: fs.FileHandle
  try {
    // O_NONBLOCK: opening a FIFO (or a device) for reading would otherwise wait for a writer forever and freeze the
    // indexing queue; with it the open returns at once and the type check below refuses the file.
    handle = await fs.open(absolutePath, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0))
  } catch (error) {
    throw toFileError(relativePath, error)
  }
  try {
    const stat = await handle.stat()
    if (!stat.isFile()) {
      throw new BrainError('file-unreadable', `${relativePath} is not a regular file (a pipe, socket or device); it was skipped.`, {
        details: { reason: NOT_REGULAR_FILE },
      })
    }
    if (stat.size > maxBytes) {
      throw new BrainError(
        'file-too-large',
        `${relativePath} is ${formatMegabytes(stat.size)}, over the ${formatMegabytes(maxBytes)} limit for one note; it was skipped.`,
        { details: { size: stat.size, limit: maxBytes } },
      )
    }
    const bytes = await handle.readFile()
    // Look for NUL bytes in the first 8 KB, as git does, to tell binary files from text.
    if (bytes.subarray(0, 8192).includes(0)) {
      throw new BrainError('file-binary', `${relativePath} looks like a binary file, not text; it was skipped.`)
    }
    let text: string
    try {
      text = utf8.decode(bytes)
    } catch {
      throw new BrainError('file-invalid-utf8', `${relativePath} is not valid UTF-8 text; re-save it as UTF-8 to index it.`)
    }
    return { text, sha256: sha256Hex(bytes), size: bytes.length, mtimeMs: Math.trunc(stat.mtimeMs) }
  } catch (error) {
    throw error instanceof BrainError ? error : toFileError(relativePath, error)
  } finally {
    await handle.close().catch(() => undefined)
  }
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex')
}

function toFileError(relativePath: string, error: unknown): BrainError {
  const problem = problemFor(relativePath, error)
  return new BrainError(problem.code, problem.message, { cause: error, retryable: problem.code === 'file-vanished' })
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`
}
