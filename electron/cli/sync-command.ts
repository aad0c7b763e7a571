import { BrainError } from '../../shared/errors'
import type { SyncPhase, SyncReport } from '../../shared/sync'
import type { Engine } from '../engine/engine'
import { checkGatewayUrl } from '../engine/llm/gateway/gateway-url'
import type { CliIo } from './main'
import type { CliInvocation } from './parse-cli-args'
import { readSettings, writeSettings } from './settings-command'

type DisabledReason = Extract<SyncPhase, { type: 'disabled' }>['reason']

/** What to type to get past each reason sync is disabled. */
export function howToEnableSync(reason: DisabledReason): string {
  switch (reason) {
    case 'off':
      return 'Turn it on with `notes-rag sync --enable` (or `notes-rag settings set sync.enabled true`).'
    case 'not-configured':
      return 'Set the gateway with `notes-rag sync --gateway-url https://<gateway>/v1` and give its token with `--gateway-token TOKEN` or NOTES_RAG_GATEWAY_TOKEN.'
    case 'local-only':
      return 'The routing policy is local-only, which never opens a connection; allow the gateway with `notes-rag settings set routing.policy auto`.'
  }
}

/**
 * Saves what `sync --enable/--disable/--gateway-url` asked for into settings.json before the engine opens, so this
 * run and the app both see it. The URL is checked first: a bad one is refused and nothing is saved.
 * Returns the lines to tell the user (stderr), or none when nothing changed.
 */
export function saveSyncFlags(invocation: CliInvocation): string[] {
  if (invocation.syncEnabled === null && invocation.gatewayUrlFlag === null) return []
  const { settings, file } = readSettings(invocation.dataDir)
  const next = structuredClone(settings)
  const said: string[] = []
  if (invocation.gatewayUrlFlag !== null) {
    checkGatewayUrl(invocation.gatewayUrlFlag, settings.gateway.allowInsecureHttp)
    next.gateway.baseUrl = invocation.gatewayUrlFlag
    said.push(`Gateway URL set to ${invocation.gatewayUrlFlag}.`)
  }
  if (invocation.syncEnabled !== null) {
    next.sync.enabled = invocation.syncEnabled
    said.push(invocation.syncEnabled ? 'Sync turned on.' : 'Sync turned off: nothing is sent to the gateway until it is turned on again.')
  }
  writeSettings(invocation.dataDir, next)
  said.push(`(saved in ${file})`)
  return said
}

/** `notes-rag sync`: a push, or with `--dry-run` the plan (also while sync is disabled, then without connecting). */
export async function runSync(engine: Engine, invocation: CliInvocation, io: CliIo): Promise<number> {
  if (invocation.syncEnabled === false && !invocation.dryRun) return 0
  // Files still being indexed would be left out of this pass: let the index settle first.
  await engine.whenIdle()
  let report: SyncReport
  try {
    report = await engine.call('syncNow', [{ dryRun: invocation.dryRun }])
  } catch (error) {
    const reason = BrainError.is(error, 'sync-disabled') ? (error.details?.reason as DisabledReason | undefined) : undefined
    if (reason) throw new BrainError('sync-disabled', `${error instanceof Error ? error.message : ''} ${howToEnableSync(reason)} (notes-rag sync --dry-run shows what would be sent.)`, { details: { reason } })
    throw error
  }
  if (invocation.json) {
    const json = report.disabled ? { ...report, disabled: { ...report.disabled, howToEnable: howToEnableSync(report.disabled.reason) } } : report
    io.stdout.write(`${JSON.stringify(json, null, 2)}\n`)
  } else {
    io.stdout.write(formatSyncReport(report))
  }
  return 0
}

export function formatSyncReport(report: SyncReport): string {
  const lines: string[] = []
  if (report.disabled) {
    lines.push(`${report.disabled.message} Nothing was sent and no connection was made.`, howToEnableSync(report.disabled.reason), '')
  }
  lines.push(
    `${report.dryRun ? (report.disabled ? 'Once on, it would send' : 'Would send') : 'Sent'}: ${report.upserts.length} files, ${report.deletes.length} deletions, ${report.renames.length} renames`,
    ...report.upserts.map((file) => `  + ${file.path} (${file.chunks} chunks, ${file.bytes} bytes)`),
    ...report.deletes.map((file) => `  - ${file}`),
    ...report.renames.map((rename) => `  ~ ${rename.from} -> ${rename.to}`),
  )
  if (report.excluded.length > 0) lines.push(`Excluded by your sync rules: ${report.excluded.length} files`)
  for (const skipped of report.skipped ?? []) lines.push(`  ! skipped ${skipped.path} (${skipped.reason})`)
  if (report.disabled) {
    if (report.serverState?.source === 'last-known') lines.push(`Compared with the gateway's state as of ${report.serverState.fetchedAt}.`)
    else lines.push('Compared with an empty gateway (it has never been synced from here).')
  } else {
    if (report.serverState?.source === 'last-known') lines.push(`The gateway was unreachable: compared with its state as of ${report.serverState.fetchedAt}.`)
    if (report.serverState?.source === 'none') lines.push('The gateway was unreachable and has never been synced: everything would be sent.')
  }
  if (!report.dryRun) lines.push(`${report.requests} requests, ${report.bytesSent} bytes in ${report.seconds.toFixed(1)} s`)
  return `${lines.join('\n')}\n`
}
