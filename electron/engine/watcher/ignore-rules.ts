import path from 'node:path'

/** Editor swap, backup and temp files that must never be indexed (vim, emacs, JetBrains, LibreOffice, browsers). */
const TEMP_FILE_PATTERNS: RegExp[] = [
  /\.sw[a-p]$/i,
  /~$/,
  /^\.#/,
  /^#.*#$/,
  /\.(tmp|temp|part|crdownload|bak)$/i,
  /^4913$/,
  /^\.~lock\./,
  /___jb_(tmp|old)___$/,
]

/** True when a path (relative to the watched folder, any separator) is outside what notes-rag indexes. */
export function isIgnoredPath(relativePath: string): boolean {
  const segments = relativePath.split(/[\\/]/).filter((segment) => segment.length > 0)
  // Dot-folders (.git, .obsidian, .trash) and dot-files; node_modules anywhere.
  if (segments.some((segment) => segment.startsWith('.') || segment === 'node_modules')) return true
  const name = segments.at(-1) ?? ''
  return TEMP_FILE_PATTERNS.some((pattern) => pattern.test(name))
}

/** True when a file name has one of the indexed extensions (case-insensitive). */
export function hasIndexedExtension(fileName: string, extensions: readonly string[]): boolean {
  const extension = path.extname(fileName).toLowerCase()
  return extensions.some((candidate) => candidate.toLowerCase() === extension)
}

/** Converts an absolute path under root to the index's relative form (forward slashes). */
export function toRelativePath(root: string, absolutePath: string): string {
  return path.relative(root, absolutePath).split(path.sep).join('/')
}
