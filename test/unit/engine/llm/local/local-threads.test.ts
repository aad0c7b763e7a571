import { describe, expect, it } from 'vitest'
import { resolveLocalThreads } from '../../../../../electron/engine/llm/local/local-threads'
import { defaultSettings } from '../../../../../shared/settings'

describe('resolveLocalThreads', () => {
  it.each([
    // [setting, math cores, threads]
    [0, 1, 1],
    [0, 2, 1],
    [0, 4, 3],
    [0, 8, 7],
    [2, 2, 2],
    [4, 2, 4],
    [1, 16, 1],
  ])('setting %i on %i cores -> %i threads', (setting, cores, expected) => {
    expect(resolveLocalThreads(setting, cores)).toBe(expected)
  })

  it('is what the default setting asks for', () => {
    expect(defaultSettings().llm.threads).toBe(0)
    expect(resolveLocalThreads(defaultSettings().llm.threads, 2)).toBe(1)
  })
})
