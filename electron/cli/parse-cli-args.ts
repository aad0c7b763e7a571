import path from 'node:path'
import { BrainError } from '../../shared/errors'
import { ROUTING_POLICIES, type RoutingPolicy, type SettingsPatch } from '../../shared/settings'
import type { BackendChoice } from '../../shared/answer'
import { defaultDataDir } from '../engine/settings/data-dir'
import { USAGE, type Command } from './command-help'
import { readCommandLine } from './command-line'

export { COMMANDS, USAGE, type Command } from './command-help'

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
  /** `--version`: print the version and nothing else. */
  version: boolean
}

/** Parses argv (without node and the script); throws BrainError('invalid-input') with a usage hint. */
export function parseCliArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): CliInvocation {
  const { command, helpTopic, version, values, positionals } = readCommandLine(argv)
  const argument = positionals[0] ?? null
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
  if (command === 'settings') validateSettingsPositionals(positionals)

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
    positionals,
    syncEnabled: values.enable ? true : values.disable ? false : null,
    gatewayUrlFlag: values['gateway-url'] ?? null,
    format: format as CliInvocation['format'],
    output: values.output === undefined ? null : path.resolve(values.output),
    watch: values.watch ?? false,
    version,
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
