import type { ModelKind } from '../../shared/model-download'

/** A model download that failed, kept so the app still says so (with one Retry) after a restart. */
export interface RememberedFailure {
  kind: ModelKind
  message: string
  at: string
}

const key = (kind: ModelKind) => `notes-rag.model-failure.${kind}`

/** The storage the window has (localStorage persists across restarts in Electron and the browser); null in tests without it. */
function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null
  } catch {
    return null
  }
}

export function rememberFailure(kind: ModelKind, message: string, at: Date = new Date()): void {
  storage()?.setItem(key(kind), JSON.stringify({ kind, message, at: at.toISOString() } satisfies RememberedFailure))
}

export function forgetFailure(kind: ModelKind): void {
  storage()?.removeItem(key(kind))
}

export function rememberedFailure(kind: ModelKind): RememberedFailure | null {
  const raw = storage()?.getItem(key(kind))
  if (!raw) return null
  try {
    const value = JSON.parse(raw) as RememberedFailure
    return typeof value.message === 'string' && typeof value.at === 'string' ? { kind, message: value.message, at: value.at } : null
  } catch {
    return null
  }
}
