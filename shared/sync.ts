import type { ErrorData } from './errors'

/** The push-only sync to the homelab gateway. */
export type SyncPhase =
  | { type: 'disabled'; reason: 'local-only' | 'not-configured' | 'off' }
  | { type: 'idle' }
  | { type: 'syncing'; sentFiles: number; totalFiles: number }
  | { type: 'backing-off'; retryAt: string }
  | { type: 'stopped'; error: ErrorData }

export interface SyncStatus {
  phase: SyncPhase
  lastSuccessAt: string | null
  pendingFiles: number
  lastError: ErrorData | null
}

/** What one sync pass would send or sent (`--dry-run` lists it without sending). */
export interface SyncPlan {
  upserts: Array<{ path: string; sha256: string; chunks: number; bytes: number }>
  deletes: string[]
  renames: Array<{ from: string; to: string }>
  excluded: string[]
}

export interface SyncReport extends SyncPlan {
  dryRun: boolean
  requests: number
  bytesSent: number
  seconds: number
  /** What the plan was compared with: the server's manifest now, or (gateway unreachable) the last one seen. */
  serverState?: { source: 'server' | 'last-known' | 'none'; fetchedAt: string | null }
  /** Files not sent this pass and why (e.g. a single file larger than the gateway's batch limit). */
  skipped?: Array<{ path: string; reason: 'too-large' | 'changed-since-indexing' | 'unreadable' | 'vectors-missing' }>
  /** Set on a dry run made while sync is disabled: why, so the caller can say how to turn it on (nothing connected). */
  disabled?: { reason: Extract<SyncPhase, { type: 'disabled' }>['reason']; message: string }
}
