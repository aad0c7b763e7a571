import { randomUUID } from 'node:crypto'
import { BrainError, toErrorData } from '../../shared/errors'
import type { AnswerEnd } from '../../shared/answer'
import type { IndexSnapshot } from '../../shared/index-status'
import type { SearchResult } from '../../shared/search'
import type { Engine } from '../engine/engine'
import { assertFolder } from '../engine/indexer/scan-folder'
import { formatAnswerSources, formatProgressLine, formatSearchResult, formatStatus, formatSummary } from './format-output'
import { parseCliArgs, USAGE, type CliInvocation } from './parse-cli-args'

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
    io.stderr.write(`${(error as Error).message}\n`)
    return 2
  }
  if (invocation.command === 'help') {
    io.stdout.write(USAGE)
    return 0
  }
  let engine: Engine | null = null
  try {
    if (invocation.command === 'index' || invocation.command === 'watch') await assertFolder(invocation.overrides.folder!)
    // Loaded only for commands that need it: `help` and usage errors answer without loading models or stores.
    const { Engine } = await import('../engine/engine')
    const writes = WRITER_COMMANDS.has(invocation.command)
    const waits = writes && (invocation.wait || invocation.command === 'watch')
    const interrupt = waits ? interruptSignal(io) : null
    const opening = Engine.open({
      dataDir: invocation.dataDir,
      overrides: invocation.overrides,
      gatewayToken: invocation.gatewayToken,
      watch: invocation.command === 'watch',
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
      const summary = await engine.call('reindex', [])
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
      const stream = json ? null : engine.on('answer-delta', (delta) => delta.answerId === answerId && io.stdout.write(delta.text))
      const stop = new AbortController()
      const onInterrupt = () => stop.abort()
      process.once('SIGINT', onInterrupt)
      let answer: AnswerEnd
      try {
        answer = await engine.call('ask', [{ answerId, question: invocation.argument!, backend: invocation.backend, today: invocation.today }], stop.signal)
      } finally {
        process.off('SIGINT', onInterrupt)
        stream?.dispose()
      }
      if (json) io.stdout.write(`${JSON.stringify({ answer: answer.text, citations: answer.citations, sources: answer.sources, meta: answer.meta, error: answer.error }, null, 2)}\n`)
      else io.stdout.write(formatAnswerSources(answer))
      return answer.error && answer.meta.backend !== 'retrieval-only' ? 1 : 0
    }
    case 'sync': {
      // Files still being indexed would be left out of this pass: let the index settle first.
      await engine.whenIdle()
      const report = await engine.call('syncNow', [{ dryRun: invocation.dryRun }])
      io.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : formatSyncReport(report))
      return 0
    }
    default:
      throw new BrainError('invalid-input', USAGE)
  }
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
    hits: result.hits.map((hit) => ({
      path: hit.path,
      headingPath: hit.headingPath,
      startLine: hit.startLine,
      endLine: hit.endLine,
      periodStart: hit.periodStart,
      periodEnd: hit.periodEnd,
      score: hit.score,
      snippet: hit.snippet,
      text: hit.text,
    })),
  }
}

function formatSyncReport(report: import('../../shared/sync').SyncReport): string {
  const lines = [
    `${report.dryRun ? 'Would send' : 'Sent'}: ${report.upserts.length} files, ${report.deletes.length} deletions, ${report.renames.length} renames`,
    ...report.upserts.map((file) => `  + ${file.path} (${file.chunks} chunks, ${file.bytes} bytes)`),
    ...report.deletes.map((file) => `  - ${file}`),
    ...report.renames.map((rename) => `  ~ ${rename.from} -> ${rename.to}`),
  ]
  if (report.excluded.length > 0) lines.push(`Excluded by your sync rules: ${report.excluded.length} files`)
  for (const skipped of report.skipped ?? []) lines.push(`  ! skipped ${skipped.path} (${skipped.reason})`)
  if (report.serverState?.source === 'last-known') lines.push(`The gateway was unreachable: compared with its state as of ${report.serverState.fetchedAt}.`)
  if (report.serverState?.source === 'none') lines.push('The gateway was unreachable and has never been synced: everything would be sent.')
  if (!report.dryRun) lines.push(`${report.requests} requests, ${report.bytesSent} bytes in ${report.seconds.toFixed(1)} s`)
  return `${lines.join('\n')}\n`
}

function defaultIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr }
}
