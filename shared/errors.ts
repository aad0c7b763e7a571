/** Every failure the engine reports has one of these codes; the UI and CLI switch on them. */
export const ERROR_CODES = [
  // folders and files
  'folder-not-set',
  'folder-missing',
  'folder-not-directory',
  'folder-unavailable',
  'data-dir-unwritable',
  /** Another process is writing the same data dir (the lock names it). */
  'data-dir-locked',
  'file-unreadable',
  'file-permission-denied',
  'file-too-large',
  'file-binary',
  'file-invalid-utf8',
  'file-vanished',
  'file-symlink-loop',
  // models
  'model-missing',
  'model-corrupt',
  'model-download-failed',
  'model-insufficient-memory',
  'model-load-failed',
  'embedding-unavailable',
  'embedding-model-changed',
  // the homelab gateway
  'gateway-not-configured',
  'gateway-unreachable',
  'gateway-unauthorized',
  'gateway-rate-limited',
  'gateway-server-error',
  'gateway-timeout',
  'gateway-stream-broken',
  'gateway-insecure-url',
  'gateway-payload-too-large',
  'gateway-model-not-found',
  'gateway-bad-request',
  'gateway-provider-error',
  'gateway-no-text',
  'gateway-response-too-large',
  'no-backend',
  // sync
  'sync-disabled',
  'sync-failed',
  // exports written by the app
  'export-failed',
  // general
  'aborted',
  'invalid-input',
  'not-found',
  'engine-unavailable',
  'internal',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

/** How an error travels across IPC, WebSocket and the CLI's --json output. */
export interface ErrorData {
  code: ErrorCode
  message: string
  retryable: boolean
  /** Optional structured context (a path, an HTTP status, a retry-after in ms). */
  details?: Record<string, unknown>
}

/** The one error class the engine throws. Everything else is wrapped into it at module boundaries. */
export class BrainError extends Error {
  readonly code: ErrorCode
  readonly retryable: boolean
  readonly details?: Record<string, unknown>

  constructor(
    code: ErrorCode,
    message: string,
    options: { retryable?: boolean; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'BrainError'
    this.code = code
    this.retryable = options.retryable ?? false
    this.details = options.details
  }

  static is(value: unknown, code?: ErrorCode): value is BrainError {
    return value instanceof BrainError && (code === undefined || value.code === code)
  }

  static fromData(data: ErrorData): BrainError {
    return new BrainError(data.code, data.message, { retryable: data.retryable, details: data.details })
  }

  toData(): ErrorData {
    return { code: this.code, message: this.message, retryable: this.retryable, ...(this.details ? { details: this.details } : {}) }
  }
}

/** Marks an Error message carrying ErrorData as JSON: Electron's contextBridge keeps only an Error's message. */
export const ERROR_DATA_MESSAGE_PREFIX = 'brain-error:'

/** The message of an Error that carries `data` across the contextBridge (the preload throws it). */
export function errorDataToMessage(data: ErrorData): string {
  return `${ERROR_DATA_MESSAGE_PREFIX}${JSON.stringify(data)}`
}

/** The ErrorData inside such a message, or null for any other message. */
export function errorDataFromMessage(message: string): ErrorData | null {
  if (!message.startsWith(ERROR_DATA_MESSAGE_PREFIX)) return null
  try {
    const data = JSON.parse(message.slice(ERROR_DATA_MESSAGE_PREFIX.length)) as ErrorData
    return (ERROR_CODES as readonly string[]).includes(data.code) && typeof data.message === 'string' ? data : null
  } catch {
    return null
  }
}

/** Plain data for any thrown value: BrainErrors keep their code, AbortErrors become 'aborted', the rest 'internal'. */
export function toErrorData(error: unknown): ErrorData {
  if (error instanceof BrainError) return error.toData()
  if (isAbortError(error)) return { code: 'aborted', message: 'Stopped.', retryable: true }
  const bridged = error instanceof Error ? errorDataFromMessage(error.message) : null
  if (bridged) return { code: bridged.code, message: bridged.message, retryable: bridged.retryable === true, ...(bridged.details ? { details: bridged.details } : {}) }
  const message = errorMessage(error)
  if (isDiskFull(error)) {
    return {
      code: 'data-dir-unwritable',
      message: `The disk holding the index is full (${message}). What was indexed before is kept; free some space and run it again.`,
      retryable: true,
    }
  }
  return { code: 'internal', message, retryable: false }
}

/** SQLite's SQLITE_FULL, Node's ENOSPC, or LanceDB's I/O error text for a full disk (or quota). */
export function isDiskFull(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const code = (error as { code?: unknown }).code
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return true
  const message = (error as { message?: unknown }).message
  return typeof message === 'string' && /no space left on device|database or disk is full|disk quota exceeded/i.test(message)
}

export function isAbortError(error: unknown): boolean {
  return (
    (error instanceof BrainError && error.code === 'aborted') ||
    (typeof error === 'object' && error !== null && (error as { name?: string }).name === 'AbortError')
  )
}

/** The one way to say "stopped": a retryable BrainError('aborted'), with what stopped it as the cause. */
export function abortedError(reason?: unknown, message = 'Stopped.'): BrainError {
  return new BrainError('aborted', message, reason === undefined ? { retryable: true } : { retryable: true, cause: reason })
}

/** Throws a BrainError('aborted') when the signal has fired; call it between steps of long work. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError(signal.reason)
}

/** The message of anything thrown: an Error's message, anything else as a string. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
