import { describe, expect, it } from 'vitest'
import { BrainError, abortedError, errorMessage, isAbortError, isDiskFull, throwIfAborted, toErrorData } from '../../../shared/errors'

describe('a full disk reads as one clear, retryable error', () => {
  const full: Array<[string, unknown]> = [
    ['SQLite', Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })],
    ['Node', Object.assign(new Error("ENOSPC: no space left on device, write"), { code: 'ENOSPC' })],
    ['LanceDB (message only)', new Error('lance error: LanceError(IO): Generic LocalFileSystem error: No space left on device (os error 28)')],
    ['a quota', Object.assign(new Error('EDQUOT: disk quota exceeded'), { code: 'EDQUOT' })],
  ]
  for (const [name, error] of full) {
    it(name, () => {
      expect(isDiskFull(error)).toBe(true)
      expect(toErrorData(error)).toMatchObject({ code: 'data-dir-unwritable', retryable: true, message: expect.stringMatching(/disk holding the index is full.*free some space/) })
    })
  }
  it('other failures stay internal', () => {
    expect(isDiskFull(new Error('SQLITE_CORRUPT: database disk image is malformed'))).toBe(false)
    expect(toErrorData(Object.assign(new Error('EACCES'), { code: 'EACCES' }))).toMatchObject({ code: 'internal' })
  })
})

describe('errorMessage', () => {
  it.each([
    [new Error('disk gone'), 'disk gone'],
    [new BrainError('internal', 'typed'), 'typed'],
    ['a string', 'a string'],
    [42, '42'],
    [null, 'null'],
    [undefined, 'undefined'],
  ])('%s reads as %s', (error, expected) => {
    expect(errorMessage(error)).toBe(expected)
  })
})

describe('abortedError and throwIfAborted', () => {
  it('makes a retryable aborted error with the reason as its cause', () => {
    const error = abortedError('user pressed stop')
    expect(BrainError.is(error, 'aborted')).toBe(true)
    expect(error.retryable).toBe(true)
    expect(error.message).toBe('Stopped.')
    expect(error.cause).toBe('user pressed stop')
    expect(isAbortError(error)).toBe(true)
    expect(toErrorData(error)).toEqual({ code: 'aborted', message: 'Stopped.', retryable: true })
  })

  it('leaves the cause out without a reason, and takes another message', () => {
    const error = abortedError(undefined, 'Download stopped.')
    expect(error.message).toBe('Download stopped.')
    expect('cause' in error).toBe(false)
  })

  it('throwIfAborted throws only once the signal fired, with its reason', () => {
    const controller = new AbortController()
    expect(() => throwIfAborted(controller.signal)).not.toThrow()
    expect(() => throwIfAborted(undefined)).not.toThrow()
    const reason = new Error('shutdown')
    controller.abort(reason)
    let caught: unknown
    try {
      throwIfAborted(controller.signal)
    } catch (error) {
      caught = error
    }
    expect(BrainError.is(caught, 'aborted')).toBe(true)
    expect((caught as BrainError).cause).toBe(reason)
  })
})
