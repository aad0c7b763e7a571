import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { BrainError, errorMessage } from '../../../shared/errors'

/** A conversation export is text the renderer built; anything this large is a bug, not a chat. */
export const MAX_EXPORT_CHARACTERS = 10_000_000

/**
 * Writes an export the renderer built (`shared/markdown-export`) to the file the user picks. `choosePath` is the
 * OS save dialog in the app (a chosen path, or null when cancelled); kept as a parameter so this runs without
 * Electron. Returns the path written, or null when the user cancelled. Never writes without a choice.
 */
export async function saveMarkdownExport(choosePath: (suggestedName: string) => Promise<string | null>, suggestedName: unknown, markdown: unknown): Promise<string | null> {
  if (typeof suggestedName !== 'string' || typeof markdown !== 'string') throw new BrainError('invalid-input', 'An export needs a file name and its markdown text.')
  if (markdown.length > MAX_EXPORT_CHARACTERS) throw new BrainError('invalid-input', `The export is too large (${markdown.length.toLocaleString('en-GB')} characters).`)
  // Only a bare name is suggested: a path in it would pick the folder for the user.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are matched on purpose, to replace them.
  const name = path.basename(suggestedName.replace(/\\/g, '/')).replace(/[\u0000-\u001f<>:"|?*]/g, '-') || 'notes-rag-export.md'
  const chosen = await choosePath(/\.(md|markdown)$/i.test(name) ? name : `${name}.md`)
  if (!chosen) return null
  try {
    await writeFile(chosen, markdown, 'utf8')
  } catch (error) {
    throw new BrainError('export-failed', `Could not write ${chosen}: ${errorMessage(error)}`, { cause: error })
  }
  return chosen
}
