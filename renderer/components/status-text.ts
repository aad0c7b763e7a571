import type { GatewayStatus } from '../../shared/gateway'
import type { IndexSnapshot } from '../../shared/index-status'
import type { EngineState } from '../../shared/ipc'
import type { SyncStatus } from '../../shared/sync'

/** Short status-bar wording for each pushed snapshot; `tone` picks the dot colour. */
export type Tone = 'ok' | 'busy' | 'warn' | 'error' | 'off'

export function indexText(index: IndexSnapshot | null): { text: string; tone: Tone } {
  if (!index) return { text: 'Connecting…', tone: 'busy' }
  const phase = index.phase
  switch (phase.type) {
    case 'no-folder':
      return { text: 'No folder chosen', tone: 'off' }
    case 'starting':
      return { text: 'Starting…', tone: 'busy' }
    case 'scanning':
      return { text: 'Scanning folder…', tone: 'busy' }
    case 'indexing':
      return { text: `Indexing ${phase.done} of ${phase.total}`, tone: 'busy' }
    case 'embedding':
      return { text: `Embedding ${phase.done} of ${phase.total} passages`, tone: 'busy' }
    case 'ready':
      return { text: `${index.files} notes · ${index.chunks} passages`, tone: 'ok' }
    case 'paused':
      return { text: phase.reason === 'user' ? 'Indexing paused' : 'Folder unavailable', tone: 'warn' }
    case 'error':
      return { text: phase.error.message, tone: 'error' }
  }
}

export function gatewayText(gateway: GatewayStatus | null): { text: string; tone: Tone } {
  switch (gateway?.type) {
    case undefined:
    case 'not-configured':
      return { text: 'Gateway not set up', tone: 'off' }
    case 'disabled':
      return { text: 'Gateway off (local only)', tone: 'off' }
    case 'probing':
      return { text: 'Gateway: checking…', tone: 'busy' }
    case 'reachable':
      return { text: `Gateway ${gateway.latencyMs} ms`, tone: 'ok' }
    case 'unreachable':
      return { text: 'Gateway down', tone: 'error' }
    case 'unauthorized':
      return { text: 'Gateway token refused', tone: 'error' }
    case 'rate-limited':
      return { text: 'Gateway rate-limited', tone: 'warn' }
  }
}

export function syncText(sync: SyncStatus | null): { text: string; tone: Tone } | null {
  const phase = sync?.phase
  switch (phase?.type) {
    case undefined:
    case 'disabled':
      return null
    case 'idle':
      return { text: sync!.pendingFiles > 0 ? `Sync: ${sync!.pendingFiles} pending` : 'Synced', tone: 'ok' }
    case 'syncing':
      return { text: `Syncing ${phase.sentFiles}/${phase.totalFiles}`, tone: 'busy' }
    case 'backing-off':
      return { text: 'Sync retrying', tone: 'warn' }
    case 'stopped':
      return { text: 'Sync stopped', tone: 'error' }
  }
}

export function engineText(engine: EngineState): { text: string; tone: Tone } | null {
  switch (engine.type) {
    case 'running':
      return null
    case 'starting':
      return { text: 'Engine starting…', tone: 'busy' }
    case 'restarting':
      return { text: `Engine restarting (attempt ${engine.attempt})…`, tone: 'warn' }
    case 'failed':
      return { text: `Engine failed: ${engine.message}`, tone: 'error' }
  }
}
