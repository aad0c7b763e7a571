import { parseDocument } from 'yaml'
import { splitLines } from './split-lines'
import { errorMessage } from '../../../shared/errors'

/** Front matter split off a note: parsed data (or the YAML error), and the body that follows. */
export interface FrontMatterSplit {
  /** The YAML mapping; null when there is no front matter or it is not valid. */
  data: Record<string, unknown> | null
  /** Why present front matter could not be used (invalid YAML, or not a mapping). */
  error: string | null
  /** The text after the closing `---` (the whole text when there is no front matter). */
  body: string
  /** 1-based line of the original file where `body` starts. */
  bodyStartLine: number
}

/** The same split over lines already cut (the chunker works on lines to keep original line numbers). */
export interface FrontMatterLines {
  data: Record<string, unknown> | null
  error: string | null
  /** 0-based index into the lines of the first body line. */
  bodyStartIndex: number
}

/** Splits YAML front matter (between `---` lines at the very top) from the body. Never throws. */
export function splitFrontMatter(text: string): FrontMatterSplit {
  const lines = splitLines(text)
  const { data, error, bodyStartIndex } = splitFrontMatterLines(lines)
  return { data, error, body: lines.slice(bodyStartIndex).join('\n'), bodyStartLine: bodyStartIndex + 1 }
}

export function splitFrontMatterLines(lines: readonly string[]): FrontMatterLines {
  if (lines.length === 0 || lines[0].trimEnd() !== '---') return { data: null, error: null, bodyStartIndex: 0 }
  let close = -1
  for (let index = 1; index < lines.length; index++) {
    const line = lines[index].trimEnd()
    if (line === '---' || line === '...') {
      close = index
      break
    }
  }
  // Without a closing line the opening `---` is a thematic break, not front matter.
  if (close === -1) return { data: null, error: null, bodyStartIndex: 0 }

  const source = lines.slice(1, close).join('\n')
  return { ...parseYamlMapping(source), bodyStartIndex: close + 1 }
}

function parseYamlMapping(source: string): { data: Record<string, unknown> | null; error: string | null } {
  if (source.trim() === '') return { data: {}, error: null }
  try {
    const document = parseDocument(source, { prettyErrors: false })
    if (document.errors.length > 0) return { data: null, error: `Invalid front matter: ${document.errors[0].message}` }
    const value: unknown = document.toJS({ maxAliasCount: 100 })
    if (value === null || value === undefined) return { data: {}, error: null }
    if (typeof value !== 'object' || Array.isArray(value) || value instanceof Date) {
      return { data: null, error: 'Invalid front matter: expected key: value pairs.' }
    }
    return { data: value as Record<string, unknown>, error: null }
  } catch (error) {
    // toJS throws on alias bombs and similar hostile input; the note is still indexed from its body.
    return { data: null, error: `Invalid front matter: ${errorMessage(error)}` }
  }
}
