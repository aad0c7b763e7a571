import type { SyncErrorCode } from '../../shared/sync-protocol'

/** A failure the service answers with a status and the contract's error body `{error: {code, message}}`. */
export class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly code: SyncErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
    this.name = 'ServiceError'
  }
}
