import { BrainError } from '../../shared/errors'
import { ENGINE_METHOD_NAMES, SHELL_METHOD_NAMES, type BrainApi, type PreloadBrain } from '../../shared/ipc'
import { takeSignal, toAbortLink } from '../../shared/rpc/abort-link'
import { createWsBrain } from './ws-brain'

declare global {
  interface Window {
    /** Set by the Electron preload; absent in a plain browser. */
    brain?: PreloadBrain
  }
}

let cached: BrainApi | null = null

/** Where the bridge is when running in a plain browser: `?bridge=`, else VITE_BRIDGE_URL, else the serving host. */
export function bridgeUrl(location: { search: string; host: string; protocol: string }, fallback?: string): string {
  const fromQuery = new URLSearchParams(location.search).get('bridge')
  if (fromQuery) return fromQuery
  if (fallback) return fallback
  // The bridge serves the built renderer itself, so the page's own host is the bridge.
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/brain`
}

/** The preload's `window.brain` as a `BrainApi`: a call's AbortSignal crosses the contextBridge as an `AbortLink`. */
export function fromPreloadBrain(preload: PreloadBrain): BrainApi {
  const api: Record<string, unknown> = { on: preload.on }
  for (const method of [...ENGINE_METHOD_NAMES, ...SHELL_METHOD_NAMES]) {
    const call = preload[method] as (...args: unknown[]) => Promise<unknown>
    api[method] = (...values: unknown[]) => {
      const { args, signal } = takeSignal(values)
      return signal ? call(...args, toAbortLink(signal)) : call(...args)
    }
  }
  return api as unknown as BrainApi
}

/** The one `BrainApi` of this window: the preload's in Electron, the WebSocket bridge's in a browser. */
export function getBrain(): BrainApi {
  if (cached) return cached
  if (window.brain) {
    cached = fromPreloadBrain(window.brain)
    return cached
  }
  // The WebSocket bridge serves `npm run dev:web` and `vite build --mode web` (the browser tests): a production
  // build knows the string 'production' here, so the bundler drops the bridge client from it.
  if (import.meta.env.MODE === 'production') throw new BrainError('engine-unavailable', 'This window has no window.brain: the production build runs only inside the notes-rag app (use npm run dev:web for a browser).')
  cached = createWsBrain(bridgeUrl(window.location, import.meta.env.VITE_BRIDGE_URL))
  return cached
}
