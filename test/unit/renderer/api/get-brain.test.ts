import { describe, expect, it } from 'vitest'
import { ENGINE_METHOD_NAMES, SHELL_METHOD_NAMES, type PreloadBrain } from '../../../../shared/ipc'
import { fromPreloadBrain } from '../../../../renderer/api/get-brain'

/** A stand-in for the preload's `window.brain` that records the arguments of every call. */
function recordingPreload() {
  const calls: Array<{ method: string; args: unknown[] }> = []
  const preload: Record<string, unknown> = { on: () => () => {} }
  for (const method of [...ENGINE_METHOD_NAMES, ...SHELL_METHOD_NAMES]) {
    preload[method] = async (...args: unknown[]) => {
      calls.push({ method, args })
      return method
    }
  }
  return { preload: preload as unknown as PreloadBrain, calls }
}

describe('fromPreloadBrain', () => {
  it('passes the arguments through and turns a trailing AbortSignal into an AbortLink the preload can call', async () => {
    const { preload, calls } = recordingPreload()
    const brain = fromPreloadBrain(preload)
    expect(await brain.search('march', { limit: 3 })).toBe('search')
    expect(calls[0]).toEqual({ method: 'search', args: ['march', { limit: 3 }] })

    const controller = new AbortController()
    expect(await brain.ask({ answerId: 'a1', question: 'q' }, controller.signal)).toBe('ask')
    const [request, link] = calls[1]!.args as [unknown, (onAbort: () => void) => void]
    expect(request).toEqual({ answerId: 'a1', question: 'q' })
    expect(typeof link).toBe('function')
    let aborted = 0
    link(() => aborted++)
    controller.abort()
    expect(aborted).toBe(1)
    expect(brain.on).toBe(preload.on)
  })
})
