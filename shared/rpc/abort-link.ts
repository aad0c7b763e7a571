import { abortedError } from '../errors'
import type { AbortLink } from '../ipc'

/** Splits a call's arguments from the AbortSignal a `BrainApi` caller may pass after them. */
export function takeSignal(args: unknown[]): { args: unknown[]; signal: AbortSignal | undefined } {
  const last = args.at(-1)
  return last instanceof AbortSignal ? { args: args.slice(0, -1), signal: last } : { args, signal: undefined }
}

/** Splits a call's arguments from the `AbortLink` the page passed after them (the preload's side). */
export function takeAbortLink(args: unknown[]): { args: unknown[]; link: AbortLink | undefined } {
  const last = args.at(-1)
  // No method of the contract takes a function, so a trailing one can only be the link.
  return typeof last === 'function' ? { args: args.slice(0, -1), link: last as AbortLink } : { args, link: undefined }
}

/** The page's side: a function that calls the preload's listener once, when `signal` aborts. */
export function toAbortLink(signal: AbortSignal): AbortLink {
  return (onAbort) => {
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', () => onAbort(), { once: true })
  }
}

/** The preload's side: a signal that aborts when the page's signal does. */
export function fromAbortLink(link: AbortLink): AbortSignal {
  const controller = new AbortController()
  link(() => controller.abort(abortedError()))
  return controller.signal
}
