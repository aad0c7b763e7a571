import { readlinkSync } from 'node:fs'
import { setPriority } from 'node:os'

/** A nice value for background inference: below the app and a search, above nothing else the user runs. */
export const BACKGROUND_NICE = 10

/**
 * Lowers the calling thread's OS priority, so the threads it creates afterwards (ONNX Runtime's pool is created by the
 * thread that loads the session) inherit it. Linux keeps a nice value per thread and names the calling thread in
 * `/proc/thread-self`; other systems have no per-thread equivalent reachable from Node, and lowering the whole
 * process there would slow the app too. Returns whether the priority was lowered.
 */
export function lowerThisThreadPriority(nice = BACKGROUND_NICE): boolean {
  if (process.platform !== 'linux') return false
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop())
    if (!Number.isInteger(threadId) || threadId <= 0) return false
    setPriority(threadId, nice)
    return true
  } catch {
    // No /proc (a sandbox), or a policy that refuses: indexing still works, only without yielding to queries.
    return false
  }
}
