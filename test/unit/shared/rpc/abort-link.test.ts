import { describe, expect, it } from 'vitest'
import { fromAbortLink, takeAbortLink, takeSignal, toAbortLink } from '../../../../shared/rpc/abort-link'

describe('AbortSignal across the contextBridge', () => {
  it('takes a trailing AbortSignal off the arguments, and nothing else', () => {
    const signal = new AbortController().signal
    expect(takeSignal(['q', { limit: 3 }, signal])).toEqual({ args: ['q', { limit: 3 }], signal })
    expect(takeSignal(['q', undefined, signal])).toEqual({ args: ['q', undefined], signal })
    expect(takeSignal(['q', { limit: 3 }])).toEqual({ args: ['q', { limit: 3 }], signal: undefined })
    expect(takeSignal([])).toEqual({ args: [], signal: undefined })
  })

  it('takes a trailing AbortLink (a function) off the arguments', () => {
    const link = (_onAbort: () => void) => {}
    expect(takeAbortLink([{ answerId: 'a' }, link])).toEqual({ args: [{ answerId: 'a' }], link })
    expect(takeAbortLink([{ answerId: 'a' }])).toEqual({ args: [{ answerId: 'a' }], link: undefined })
  })

  it('aborts the preload-side signal when the page-side one aborts, once', () => {
    const page = new AbortController()
    const preload = fromAbortLink(toAbortLink(page.signal))
    expect(preload.aborted).toBe(false)
    page.abort()
    expect(preload.aborted).toBe(true)
    expect(preload.reason).toMatchObject({ code: 'aborted', retryable: true })
  })

  it('gives an aborted signal for a page signal that had already aborted', () => {
    expect(fromAbortLink(toAbortLink(AbortSignal.abort())).aborted).toBe(true)
  })
})
