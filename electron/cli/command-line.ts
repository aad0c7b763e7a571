import { parseArgs } from 'node:util'
import { BrainError, errorMessage } from '../../shared/errors'
import { COMMANDS, USAGE, type Command } from './command-help'

/**
 * Every flag the CLI knows. Kept apart from the settings-aware parser (parse-cli-args.ts), so `--help`,
 * `--version` and usage errors answer without loading the settings schema or the engine.
 */
const OPTIONS = {
  'data-dir': { type: 'string' },
  json: { type: 'boolean', default: false },
  verbose: { type: 'boolean', default: false },
  limit: { type: 'string' },
  backend: { type: 'string' },
  policy: { type: 'string' },
  'embedding-model': { type: 'string' },
  'llm-model': { type: 'string' },
  threads: { type: 'string' },
  'gateway-url': { type: 'string' },
  'gateway-token': { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  enable: { type: 'boolean', default: false },
  disable: { type: 'boolean', default: false },
  format: { type: 'string' },
  output: { type: 'string', short: 'o' },
  watch: { type: 'boolean', default: false },
  'confirm-removals': { type: 'boolean', default: false },
  wait: { type: 'boolean', default: false },
  today: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', default: false },
} as const

/** The flags as node:util's parseArgs reads them. */
export type CommandLineValues = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; strict: true; options: typeof OPTIONS }>>['values']

/** The command line read, before any of it is turned into settings. */
export interface CommandLine {
  /** `help` for `--help`, `help <command>` and no command at all. */
  command: Command
  /** The command whose help to print (null: the general usage). */
  helpTopic: Command | null
  /** `--version` was given: print the version and nothing else. */
  version: boolean
  values: CommandLineValues
  /** The positionals after the command. */
  positionals: string[]
}

/** How many positionals each command takes (settings checks its own: get [KEY] | set KEY VALUE). */
const POSITIONALS: Partial<Record<Command, { name: string; max: number; hint?: string }>> = {
  index: { name: 'one folder', max: 1, hint: 'Quote a path with spaces: notes-rag index "My Notes".' },
  watch: { name: 'one folder', max: 1, hint: 'Quote a path with spaces: notes-rag watch "My Notes".' },
  search: { name: 'one query', max: 1, hint: 'Put the query in quotes' },
  ask: { name: 'one question', max: 1, hint: 'Put the question in quotes' },
  status: { name: 'no arguments', max: 0 },
  sync: { name: 'no arguments', max: 0 },
  mcp: { name: 'no arguments', max: 0 },
  help: { name: 'at most one command', max: 1 },
}

/** Reads argv (without node and the script); throws BrainError('invalid-input') with a usage hint. */
export function readCommandLine(argv: string[]): CommandLine {
  let parsed
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS })
  } catch (error) {
    throw new BrainError('invalid-input', `${errorMessage(error)}\n\n${USAGE}`)
  }
  const { values, positionals } = parsed
  const named = positionals[0]
  if (named !== undefined && !isCommand(named)) throw new BrainError('invalid-input', `Unknown command "${named}".\n\n${USAGE}`)
  const rest = positionals.slice(1)
  if (values.version) return { command: 'help', helpTopic: null, version: true, values, positionals: rest }
  const command: Command = values.help ? 'help' : (named ?? 'help')
  if (values.help) {
    // `index --help` is index's help whatever else is on the line; `help search --help` is search's, `help --help` help's.
    const helpTopic = named === undefined ? null : named === 'help' ? (topicOf(rest[0]) ?? 'help') : named
    return { command, helpTopic, version: false, values, positionals: rest }
  }
  checkPositionals(command, rest)
  return { command, helpTopic: command === 'help' ? topicOf(rest[0]) : null, version: false, values, positionals: rest }
}

function isCommand(value: string): value is Command {
  return (COMMANDS as readonly string[]).includes(value)
}

function topicOf(value: string | undefined): Command | null {
  if (value === undefined) return null
  if (!isCommand(value)) throw new BrainError('invalid-input', `Unknown command "${value}".\n\n${USAGE}`)
  return value
}

/** Extra arguments are refused, never joined: `notes-rag index My Notes` must not index "My Notes" by accident. */
function checkPositionals(command: Command, rest: string[]): void {
  const rule = POSITIONALS[command]
  if (!rule || rest.length <= rule.max) return
  const given = rest.map((argument) => JSON.stringify(argument)).join(' ')
  const quoted = JSON.stringify(rest.join(' '))
  const hint = command === 'search' || command === 'ask' ? `${rule.hint}: notes-rag ${command} ${quoted}.` : (rule.hint ?? `See notes-rag help ${command}.`)
  throw new BrainError('invalid-input', `notes-rag ${command} takes ${rule.name}, but got ${rest.length}: ${given}. ${hint}`)
}
