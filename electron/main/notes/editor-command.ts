import { BrainError } from '../../../shared/errors'

/** Splits a command line into words, honouring "double" and 'single' quotes and backslash escapes (no shell). */
export function splitCommandLine(command: string): string[] {
  const words: string[] = []
  let current = ''
  let inWord = false
  let quote: '"' | "'" | null = null
  for (let index = 0; index < command.length; index++) {
    const char = command[index]!
    if (quote) {
      if (char === quote) quote = null
      else if (char === '\\' && quote === '"' && index + 1 < command.length && '"\\'.includes(command[index + 1]!)) current += command[++index]
      else current += char
      continue
    }
    if (char === '"' || char === "'") {
      quote = char
      inWord = true
    } else if (char === '\\' && index + 1 < command.length && process.platform !== 'win32') {
      current += command[++index]
      inWord = true
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current)
      current = ''
      inWord = false
    } else {
      current += char
      inWord = true
    }
  }
  if (quote) throw new BrainError('invalid-input', `Unclosed ${quote} quote in editor command`)
  if (inWord) words.push(current)
  return words
}

/**
 * The argv to open a note with the user's editor command: `{path}` and `{line}` are replaced inside each word,
 * so a path with spaces stays one argument. Without `{path}`, the path is appended.
 */
export function editorArgv(command: string, notePath: string, line: number | undefined): { file: string; args: string[] } {
  const words = splitCommandLine(command)
  if (words.length === 0) throw new BrainError('invalid-input', 'The editor command is empty')
  const lineText = String(line && line > 0 ? Math.floor(line) : 1)
  const usesPath = words.some((word) => word.includes('{path}'))
  const replaced = words.map((word) => word.replaceAll('{path}', notePath).replaceAll('{line}', lineText))
  if (!usesPath) replaced.push(notePath)
  const [file, ...args] = replaced
  return { file: file!, args }
}
