import fs from 'node:fs/promises'
import path from 'node:path'
import { BrainError, throwIfAborted, type ErrorCode, errorMessage } from '../../../shared/errors'
import { hasIndexedExtension, isIgnoredPath, toRelativePath } from '../watcher/ignore-rules'

/** A file found on disk, with what the manifest's fast path compares. */
export interface ScannedFile {
  path: string
  size: number
  mtimeMs: number
}

/** A path the scan could not look into (permission denied, symlink loop); reported per path, never fatal. */
export interface ScanProblem {
  path: string
  code: ErrorCode
  message: string
}

export interface ScanResult {
  files: ScannedFile[]
  problems: ScanProblem[]
}

/**
 * Walks the folder recursively, following symlinks but never into a directory it has already entered (a loop).
 * Throws only when the root itself is missing or not a folder.
 */
export async function scanFolder(root: string, extensions: readonly string[], signal?: AbortSignal): Promise<ScanResult> {
  await assertFolder(root)
  const files: ScannedFile[] = []
  const problems: ScanProblem[] = []
  const visited = new Set<string>()

  const walk = async (directory: string): Promise<void> => {
    throwIfAborted(signal)
    const relativeDirectory = toRelativePath(root, directory)
    let real: string
    try {
      real = await fs.realpath(directory)
    } catch (error) {
      problems.push(problemFor(relativeDirectory, error))
      return
    }
    if (visited.has(real)) {
      problems.push({ path: relativeDirectory, code: 'file-symlink-loop', message: `Symlink loop: ${relativeDirectory} leads back to a folder already scanned.` })
      return
    }
    visited.add(real)
    let entries: import('node:fs').Dirent[]
    try {
      entries = await fs.readdir(directory, { withFileTypes: true })
    } catch (error) {
      problems.push(problemFor(relativeDirectory || '.', error))
      return
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const entry of entries) {
      const absolute = path.join(directory, entry.name)
      const relative = toRelativePath(root, absolute)
      if (isIgnoredPath(relative)) continue
      let isDirectory = entry.isDirectory()
      let isFile = entry.isFile()
      if (entry.isSymbolicLink()) {
        try {
          const target = await fs.stat(absolute)
          isDirectory = target.isDirectory()
          isFile = target.isFile()
        } catch (error) {
          problems.push(problemFor(relative, error))
          continue
        }
      }
      if (isDirectory) {
        await walk(absolute)
      } else if (isFile && hasIndexedExtension(entry.name, extensions)) {
        try {
          const stat = await fs.stat(absolute)
          files.push({ path: relative, size: stat.size, mtimeMs: Math.trunc(stat.mtimeMs) })
        } catch (error) {
          problems.push(problemFor(relative, error))
        }
      }
    }
  }

  await walk(root)
  return { files, problems }
}

/** Throws folder-missing / folder-not-directory with a message a user can act on. */
export async function assertFolder(root: string): Promise<void> {
  let stat: import('node:fs').Stats
  try {
    stat = await fs.stat(root)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new BrainError('folder-missing', `The folder ${root} does not exist (or its drive is not mounted).`, { retryable: true, details: { path: root } })
    }
    throw new BrainError('folder-unavailable', `Cannot open the folder ${root}: ${errorMessage(error)}`, { retryable: true, cause: error, details: { path: root } })
  }
  if (!stat.isDirectory()) {
    throw new BrainError('folder-not-directory', `${root} is a file, not a folder. Choose the folder that holds your weekly logs.`, { details: { path: root } })
  }
}

export function problemFor(relativePath: string, error: unknown): ScanProblem {
  const code = (error as NodeJS.ErrnoException).code
  const message = errorMessage(error)
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return { path: relativePath, code: 'file-permission-denied', message: `Permission denied: ${relativePath}` }
    case 'ELOOP':
      return { path: relativePath, code: 'file-symlink-loop', message: `Symlink loop: ${relativePath}` }
    case 'ENOENT':
      return { path: relativePath, code: 'file-vanished', message: `${relativePath} disappeared while it was being read.` }
    default:
      return { path: relativePath, code: 'file-unreadable', message: `Cannot read ${relativePath}: ${message}` }
  }
}
