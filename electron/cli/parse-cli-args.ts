import path from 'node:path'
import { parseArgs } from 'node:util'
import { BrainError } from '../../shared/errors'
import { ROUTING_POLICIES, type RoutingPolicy, type SettingsPatch } from '../../shared/settings'
import type { BackendChoice } from '../../shared/answer'
import { defaultDataDir } from '../engine/settings/data-dir'

export const COMMANDS = ['index', 'watch', 'status', 'search', 'ask', 'sync', 'settings', 'mcp', 'help'] as const
export type Command = (typeof COMMANDS)[number]

/** A parsed command line: the command, its one positional argument, and the settings it overrides. */
export interface CliInvocation {
  command: Command
  argument: string | null
  dataDir: string
  json: boolean
  /** ask: also print the model's reasoning (dim, on stderr). */
  verbose: boolean
  limit: number
  backend: BackendChoice
  dryRun: boolean
  /** index: apply removals held while the folder looked emptied or replaced. */
  confirmRemovals: boolean
  /** Wait for another process writing the data dir to finish (index, sync; watch always waits). */
  wait: boolean
  today: string | undefined
  gatewayToken: string | null
  overrides: SettingsPatch
  /** `notes-rag <command> --help`: the command whose help to print (null: the general usage). */
  helpTopic: Command | null
  /** Every positional after the command (`settings set KEY VALUE`). */
  positionals: string[]
  /** sync: `--enable` (true) / `--disable` (false) saves `sync.enabled`; null leaves it. */
  syncEnabled: boolean | null
  /** sync: `--gateway-url` given on the command line (saved to settings.json by `sync`). */
  gatewayUrlFlag: string | null
  /** ask: `--format text|markdown|json` (`--json` is `json`). */
  format: 'text' | 'markdown' | 'json'
  /** ask: write the answer to this file instead of stdout. */
  output: string | null
  /** mcp: keep the index up to date while serving. */
  watch: boolean
}

export const USAGE = `notes-rag — a local-first second brain over your weekly logs

Usage:
  notes-rag index <folder>       index the folder once (incremental) and print a summary
  notes-rag watch <folder>       keep the index up to date until Ctrl+C, logging each change
  notes-rag status               files, chunks, last indexed time, folder state, model, per-file errors
  notes-rag search "<query>"     hybrid, time-aware search ("kubernetes last march", "in:projects/ api")
  notes-rag ask "<question>"     answer from your notes, streamed, with sources
  notes-rag sync                 push the index to the homelab gateway (--enable/--disable, --dry-run)
  notes-rag settings get [KEY]   print settings.json, or one value (e.g. sync.enabled)
  notes-rag settings set KEY VALUE   change one setting, validated like the app does
  notes-rag mcp                  serve the notes to MCP clients (Claude Desktop, VS Code) over stdio

  notes-rag <command> --help     options of one command

Options:
  --data-dir DIR            where the index lives (default: the app's data folder, shared with the app)
  --json                    machine-readable output
  --limit N                 search hits, or weeks for a question that is only a time range (default 10)
  --today YYYY-MM-DD        the day relative phrases ("last week") count from (default: today)
  --verbose                 ask: also print the model's reasoning, dimmed
  --backend local|gateway|auto      which model answers (ask)
  --policy local-only|auto|prefer-gateway   routing policy for this run
  --embedding-model DIR|ID  embedding model folder or hub id
  --llm-model PATH.gguf     local chat model
  --threads N               llama.cpp CPU threads (0 = one fewer than the cores)
  --gateway-url URL         homelab gateway base URL (env NOTES_RAG_GATEWAY_URL)
  --gateway-token TOKEN     gateway token (env NOTES_RAG_GATEWAY_TOKEN)
  --dry-run                 sync: list what would be sent, send nothing
  --confirm-removals        index: apply the removals held back because the folder looked emptied or replaced
  --wait                    index, sync: wait for another notes-rag writing this data folder instead of failing
                            (watch always waits; status, search and ask only read and never wait)
`

/** Parses argv (without node and the script); throws BrainError('invalid-input') with a usage hint. */
export function parseCliArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): CliInvocation {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
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
      },
    })
  } catch (error) {
    throw new BrainError('invalid-input', `${(error as Error).message}\n\n${USAGE}`)
  }
  const { values, positionals } = parsed
  const named = positionals[0] as Command | undefined
  if (named !== undefined && !COMMANDS.includes(named)) throw new BrainError('invalid-input', `Unknown command "${positionals[0]}".\n\n${USAGE}`)
  const command = (values.help ? 'help' : (named ?? 'help')) as Command
  const helpTopic = command === 'help' ? ((values.help ? named : (positionals[1] as Command | undefined)) ?? null) : null
  if (helpTopic !== null && !COMMANDS.includes(helpTopic)) throw new BrainError('invalid-input', `Unknown command "${helpTopic}".\n\n${USAGE}`)
  const argument = positionals.slice(1).join(' ') || null
  if ((command === 'index' || command === 'watch') && !argument) throw new BrainError('invalid-input', `notes-rag ${command} needs a folder.\n\n${USAGE}`)
  if ((command === 'search' || command === 'ask') && !argument) throw new BrainError('invalid-input', `notes-rag ${command} needs a query in quotes.\n\n${USAGE}`)

  const overrides: SettingsPatch = {}
  const embeddingModel = values['embedding-model']
  if (embeddingModel) {
    const isFolder = embeddingModel.startsWith('.') || path.isAbsolute(embeddingModel)
    overrides.embedding = isFolder ? { model: path.resolve(embeddingModel), allowDownload: false } : { model: embeddingModel }
  }
  const llm: NonNullable<SettingsPatch['llm']> = {}
  if (values['llm-model']) llm.model = values['llm-model'].startsWith('hf:') ? values['llm-model'] : path.resolve(values['llm-model'])
  if (values.threads !== undefined) llm.threads = positiveInteger(values.threads, '--threads', 0)
  if (Object.keys(llm).length > 0) overrides.llm = llm
  if (values.policy) {
    if (!ROUTING_POLICIES.includes(values.policy as RoutingPolicy)) throw new BrainError('invalid-input', `--policy must be one of ${ROUTING_POLICIES.join(', ')}.`)
    overrides.routing = { policy: values.policy as RoutingPolicy }
  }
  const gatewayUrl = values['gateway-url'] ?? env.NOTES_RAG_GATEWAY_URL
  if (gatewayUrl) overrides.gateway = { baseUrl: gatewayUrl }
  if ((command === 'index' || command === 'watch') && argument) overrides.folder = path.resolve(argument)

  const backend = (values.backend ?? 'auto') as BackendChoice
  if (!['auto', 'local', 'gateway'].includes(backend)) throw new BrainError('invalid-input', '--backend must be local, gateway or auto.')

  if (values.enable && values.disable) throw new BrainError('invalid-input', 'Use either --enable or --disable, not both.')
  if ((values.enable || values.disable) && command !== 'sync') throw new BrainError('invalid-input', `--${values.enable ? 'enable' : 'disable'} belongs to notes-rag sync.`)
  const format = values.json ? 'json' : (values.format ?? 'text')
  if (!['text', 'markdown', 'json'].includes(format)) throw new BrainError('invalid-input', '--format must be text, markdown or json.')
  if (values.output !== undefined && command !== 'ask') throw new BrainError('invalid-input', '--output belongs to notes-rag ask (with --format markdown).')
  if (command === 'settings') validateSettingsPositionals(positionals.slice(1))

  return {
    command,
    argument,
    dataDir: path.resolve(values['data-dir'] ?? defaultDataDir(env)),
    json: (values.json ?? false) || format === 'json',
    verbose: values.verbose ?? false,
    limit: values.limit === undefined ? 10 : positiveInteger(values.limit, '--limit', 1),
    backend,
    dryRun: values['dry-run'] ?? false,
    confirmRemovals: values['confirm-removals'] ?? false,
    wait: values.wait ?? false,
    today: values.today,
    gatewayToken: values['gateway-token'] ?? env.NOTES_RAG_GATEWAY_TOKEN ?? null,
    overrides,
    helpTopic,
    positionals: positionals.slice(1),
    syncEnabled: values.enable ? true : values.disable ? false : null,
    gatewayUrlFlag: values['gateway-url'] ?? null,
    format: format as CliInvocation['format'],
    output: values.output === undefined ? null : path.resolve(values.output),
    watch: values.watch ?? false,
  }
}

function validateSettingsPositionals(args: string[]): void {
  const [action, key, value, ...rest] = args
  const usage = 'Usage: notes-rag settings get [KEY] | notes-rag settings set KEY VALUE'
  if (action === 'get' && value === undefined) return
  if (action === 'set' && key !== undefined && value !== undefined && rest.length === 0) return
  if (action === undefined) throw new BrainError('invalid-input', `notes-rag settings needs get or set.\n${usage}`)
  if (action === 'set') throw new BrainError('invalid-input', `notes-rag settings set needs a KEY and one VALUE (quote values with spaces).\n${usage}`)
  if (action === 'get') throw new BrainError('invalid-input', `notes-rag settings get takes at most one KEY.\n${usage}`)
  throw new BrainError('invalid-input', `Unknown settings action "${action}".\n${usage}`)
}

function positiveInteger(value: string, flag: string, min: number): number {
  const number = Number(value)
  if (!Number.isInteger(number) || number < min) throw new BrainError('invalid-input', `${flag} must be a whole number of at least ${min}.`)
  return number
}
