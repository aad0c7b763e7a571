import { describe, expect, it } from 'vitest'
import { isDiskFull, toErrorData } from '../../../shared/errors'

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
