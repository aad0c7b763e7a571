import { randomUUID } from 'node:crypto'
import { BrainError, toErrorData, type ErrorData, errorMessage } from '../../shared/errors'
import type { AnswerEnd } from '../../shared/answer'
import type { IndexSnapshot } from '../../shared/index-status'
import type { SearchResult } from '../../shared/search'
import type { CallEventListener } from '../../shared/ipc'
import type { Engine } from '../engine/engine'
import { startWarmEmbeddingWorker } from '../engine/embedder/warm-worker'
import { assertFolder } from '../engine/indexer/scan-folder'
import { formatAnswerSources, formatProgressLine, formatSearchResult, formatStatus, formatSummary } from './format-output'
import { parseCliArgs, USAGE, type CliInvocation } from './parse-cli-args'
import { askMarkdown, writeCommandOutput } from './ask-export'
import { helpText } from './command-help'
import { cliVersion } from './cli-version'
import { routeConsoleToStderr, runMcp } from './mcp-command'
import { formatSettingValue, getSetting, readSettings, withSetting, writeSettings } from './settings-command'
import { runSync, saveSyncFlags } from './sync-command'

/** Streams the CLI writes to; tests pass their own. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean }
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
  /** Resolves when the user asks to stop (Ctrl+C) — `watch` runs until then. */
  interrupted?: Promise<void>
}

/** Commands that write the index or the sync state take the data dir's writer lock; the rest only read. */
const WRITER_COMMANDS = new Set<CliInvocation['command']>(['index', 'watch', 'sync'])

/** Aborts when the user presses Ctrl+C, so waiting for the lock can be stopped; dispose once the wait is over. */
function interruptSignal(io: CliIo): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController()
  const onInterrupt = (): void => controller.abort()
  if (io.interrupted) void io.interrupted.then(onInterrupt)
  else process.once('SIGINT', onInterrupt)
  // A SIGINT listener disables Node's default exit on Ctrl+C: remove it as soon as the lock is taken.
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onInterrupt) }
}

/** Runs one CLI command; returns the process exit code (0 ok, 1 failed, 2 usage). */
export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  let invocation: CliInvocation
  try {
    invocation = parseCliArgs(argv)
  } catch (error) {
    io.stderr.write(`${errorMessage(error)}\n`)
    return 2
  }
  if (invocation.version) {
    io.stdout.write(`${cliVersion()}\n`)
    return 0
  }
  if (invocation.command === 'help') {
    io.stdout.write(helpText(invocation.helpTopic))
    return 0
  }
  if (invocation.command === 'mcp') routeConsoleToStderr()
  let engine: Engine | null = null
  try {
    if (invocation.command === 'settings') return runSettings(invocation, io)
    if (invocation.command === 'sync') {
      const said = saveSyncFlags(invocation)
      if (said.length > 0) io.stderr.write(`${said.join(' ')}\n`)
      // Turning sync off needs no engine: nothing is planned or sent.
      if (invocation.syncEnabled === false && !invocation.dryRun) return 0
    }
    if (invocation.command === 'index' || invocation.command === 'watch') await assertFolder(invocation.overrides.folder!)
    // Every command from here opens the engine, which loads the embedding model: its worker starts now, so the
    // thread's start and its libraries' import overlap the engine's module load (unused, it never delays the exit).
    startWarmEmbeddingWorker()
    // Loaded only for commands that need it: `help` and usage errors answer without loading models or stores.
    const { Engine } = await import('../engine/engine')
    const writes = WRITER_COMMANDS.has(invocation.command) || (invocation.command === 'mcp' && invocation.watch)
    const waits = writes && (invocation.wait || invocation.command === 'watch')
    const interrupt = waits ? interruptSignal(io) : null
    const opening = Engine.open({
      dataDir: invocation.dataDir,
      overrides: invocation.overrides,
      gatewayToken: invocation.gatewayToken,
      watch: invocation.command === 'watch' || (invocation.command === 'mcp' && invocation.watch),
      access: writes ? 'write' : 'read',
      lockCommand: `notes-rag ${invocation.command}`,
      // `watch` is meant to run for long: it waits for a running `index` (or the app) rather than giving up.
      waitForLock: interrupt
        ? { onWait: (holder) => io.stderr.write(`notes-rag: waiting for ${holder.command} (pid ${holder.pid}, since ${holder.startedAt}) to finish writing ${invocation.dataDir}…\n`), signal: interrupt.signal }
        : false,
      // The terminal shows no gateway status; `ask` checks the gateway when it routes the question.
      probeGateway: false,
    })
    try {
      engine = await opening
    } finally {
      interrupt?.dispose()
    }
    // A broken settings.json must never go unnoticed: the run continues on the recovered, safe values.
    if (engine.settingsRecovery) io.stderr.write(`notes-rag: warning: ${engine.settingsRecovery.message}\n`)
    await rememberFolder(engine, invocation)
    return await run(engine, invocation, io)
  } catch (error) {
    const data = toErrorData(error)
    if (invocation.json) io.stdout.write(`${JSON.stringify({ error: data })}\n`)
    io.stderr.write(`notes-rag: ${data.message}\n`)
    return 1
  } finally {
    await engine?.dispose()
  }
}

async function run(engine: Engine, invocation: CliInvocation, io: CliIo): Promise<number> {
  const { json } = invocation
  switch (invocation.command) {
    case 'index': {
      const progress = io.stderr.isTTY && !json ? engine.on('index-status', (snapshot) => io.stderr.write(`\r${formatProgressLine(snapshot)}`)) : null
      const summary = await engine.call(invocation.confirmRemovals ? 'confirmRemovals' : 'reindex', [])
      progress?.dispose()
      if (progress) io.stderr.write('\r\x1b[K')
      const status = await engine.call('getStatus', [])
      if (json) io.stdout.write(`${JSON.stringify({ summary, status }, null, 2)}\n`)
      else io.stdout.write(formatSummary(summary, status))
      return 0
    }
    case 'watch': {
      const log = (line: string) => io.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`)
      let last = ''
      engine.on('index-status', (snapshot: IndexSnapshot) => {
        const line = formatProgressLine(snapshot)
        if (line !== last) log(line)
        last = line
      })
      engine.onFileChanges((changes) => {
        for (const change of changes) log(`${change.type === 'remove' ? 'removed' : 'changed'} ${change.path}`)
      })
      log(`watching ${invocation.overrides.folder} (Ctrl+C to stop)`)
      await (io.interrupted ?? new Promise<void>((resolve) => process.once('SIGINT', () => resolve())))
      log('stopped')
      if (!io.interrupted) {
        // Whatever a native handle might still hold after dispose(), Ctrl+C ends the process: a second Ctrl+C at
        // once, and in any case shortly after the engine has been released (unref'd, so a clean exit is not delayed).
        process.once('SIGINT', () => process.exit(130))
        setTimeout(() => process.exit(process.exitCode ?? 0), 3000).unref()
      }
      return 0
    }
    case 'status': {
      const status = await engine.call('getStatus', [])
      io.stdout.write(json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status))
      return 0
    }
    case 'search': {
      const result = await engine.call('search', [invocation.argument!, { limit: invocation.limit, today: invocation.today }])
      io.stdout.write(json ? `${JSON.stringify(searchJson(result), null, 2)}\n` : formatSearchResult(result, Boolean(io.stdout.isTTY)))
      return 0
    }
    case 'ask': {
      const answerId = randomUUID()
      // The usual conventions: NO_COLOR turns colour off, FORCE_COLOR on where stderr is not a terminal.
      const forced = process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0'
      const color = (Boolean(io.stderr.isTTY) || forced) && !process.env.NO_COLOR
      let reasoningOpen = false
      const closeReasoning = () => {
        if (!reasoningOpen) return
        reasoningOpen = false
        io.stderr.write(color ? '\x1b[22m\n' : '\n')
      }
      const streamAnswer = !json && invocation.format !== 'markdown'
      // Reasoning goes to stderr, dimmed, so stdout stays the answer alone (pipes and scripts read it).
      const streamReasoning = streamAnswer && invocation.verbose
      const onEvent: CallEventListener = (event, delta) => {
        if (delta.answerId !== answerId) return
        if (event === 'answer-delta' && streamAnswer) {
          closeReasoning()
          io.stdout.write(delta.text)
        } else if (event === 'answer-reasoning-delta' && streamReasoning) {
          if (!reasoningOpen) io.stderr.write(color ? '\x1b[2mReasoning: ' : 'Reasoning: ')
          reasoningOpen = true
          io.stderr.write(delta.text)
        }
      }
      const stop = new AbortController()
      const onInterrupt = () => stop.abort()
      process.once('SIGINT', onInterrupt)
      let answer: AnswerEnd
      try {
        answer = await engine.call('ask', [{ answerId, question: invocation.argument!, backend: invocation.backend, today: invocation.today, limit: invocation.limit }], stop.signal, onEvent)
      } finally {
        process.off('SIGINT', onInterrupt)
        closeReasoning()
      }
      // What failed, even when a fallback answered (then `error` on the answer itself is null).
      const failure = answer.error ?? answer.meta.fallbackError ?? null
      if (invocation.format === 'markdown') await writeCommandOutput(invocation, askMarkdown(invocation, answer), io)
      else if (json) {
        await writeCommandOutput(
          invocation,
          `${JSON.stringify({ answer: answer.text, reasoning: answer.reasoning ?? null, citations: answer.citations, sources: answer.sources, meta: answer.meta, error: failure }, null, 2)}\n`,
          io,
        )
      } else {
        io.stdout.write(formatAnswerSources(answer, { reasoningShown: invocation.verbose }))
      }
      return askExitCode(invocation, answer, failure, io)
    }
    case 'sync':
      return runSync(engine, invocation, io)
    case 'mcp':
      return runMcp(engine, invocation)
    default:
      throw new BrainError('invalid-input', USAGE)
  }
}

/**
 * `ask --backend gateway` promised the gateway: any gateway failure exits 1, whatever was shown instead.
 * Otherwise a fallback that answered is a success; a failure with no answer at all is not.
 */
function askExitCode(invocation: CliInvocation, answer: AnswerEnd, failure: ErrorData | null, io: CliIo): number {
  if (answer.meta.aborted) return 0
  if (invocation.backend === 'gateway') {
    if (answer.meta.backend === 'gateway' && answer.error === null) return 0
    if (failure === null) {
      if (answer.meta.strategy === 'no-passages') return 0
      io.stderr.write(`notes-rag: the gateway did not answer: ${answer.meta.fallbackReason ?? 'another backend did'}\n`)
      return 1
    }
    io.stderr.write(`notes-rag: the gateway could not answer: ${failure.message} [${failure.code}]\n`)
    return 1
  }
  return answer.error && answer.meta.backend !== 'retrieval-only' ? 1 : 0
}

/**
 * `index`/`watch` on a fresh data dir make that folder the one the app watches, so the CLI and the app share one
 * index. A data dir that already belongs to another folder keeps its setting; this run only overrides it.
 */
async function rememberFolder(engine: Engine, invocation: CliInvocation): Promise<void> {
  const folder = invocation.overrides.folder
  if (!folder || engine.savedSettings.folder !== null) return
  await engine.call('updateSettings', [{ folder }])
}

/** The documented `search --json` shape: paths relative to the indexed folder. */
export function searchJson(result: SearchResult) {
  return {
    query: result.query,
    period: result.period ? { start: result.period.start, end: result.period.end, label: result.period.label } : null,
    mode: result.mode,
    modeReason: result.modeReason,
    periodWarning: result.periodWarning ?? null,
    hits: result.hits.map(hitJson),
    // Pure time questions: the hits grouped by week (`--limit` weeks) and how many more weeks matched.
    weeks: result.weeks ? result.weeks.map((week) => ({ label: week.label, start: week.period.start, end: week.period.end, passages: week.passages.map(hitJson), morePassages: week.morePassages })) : null,
    moreWeeks: result.moreWeeks ?? 0,
  }
}

function hitJson(hit: SearchResult['hits'][number]) {
  return {
    path: hit.path,
    headingPath: hit.headingPath,
    startLine: hit.startLine,
    endLine: hit.endLine,
    periodStart: hit.periodStart,
    periodEnd: hit.periodEnd,
    score: hit.score,
    snippet: hit.snippet,
    text: hit.text,
  }
}

/** `notes-rag settings get [KEY] | set KEY VALUE`: settings.json directly, validated by the app's schema. */
function runSettings(invocation: CliInvocation, io: CliIo): number {
  const [action, key, value] = invocation.positionals
  const { settings, recoveredFrom } = readSettings(invocation.dataDir)
  if (recoveredFrom) io.stderr.write(`notes-rag: settings.json was invalid; it was kept as ${recoveredFrom} and defaults are shown.\n`)
  if (action === 'get') {
    io.stdout.write(`${key === undefined ? JSON.stringify(settings, null, 2) : formatSettingValue(getSetting(settings, key), invocation.json)}\n`)
    return 0
  }
  const next = withSetting(settings, key!, value!)
  writeSettings(invocation.dataDir, next)
  io.stderr.write(`${key} = ${JSON.stringify(getSetting(next, key!))} (saved in settings.json)\n`)
  return 0
}

function defaultIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr }
}
