import { describe, expect, it } from 'vitest'
import { recoverSettings } from '../../../shared/recover-settings'
import { defaultSettings } from '../../../shared/settings'

const full = JSON.stringify(
  {
    version: 1,
    folder: '/home/u/notes "weekly"',
    routing: { policy: 'prefer-gateway' },
    sync: { enabled: true, exclude: ['private/**', 'health/*.md'] },
    gateway: { baseUrl: 'https://llm.homelab.lan/v1' },
    ui: { editorCommand: 'code -g {path}:{line}', theme: 'dark' },
  },
  null,
  2,
)

describe('recoverSettings', () => {
  it.each([
    ['truncated half way', full.slice(0, full.indexOf('"gateway"') + 12)],
    ['garbage appended', `${full}\u0000\u0000garbage{`],
    ['an editor merge marker', full.replace('"ui"', '<<<<<<< HEAD\n"ui"')],
  ])('recovers folder, policy and sync excludes from a file %s', (_name, text) => {
    const { settings, recovered, policyFellBack } = recoverSettings(text)
    expect(settings.folder).toBe('/home/u/notes "weekly"')
    expect(settings.routing.policy).toBe('prefer-gateway')
    expect(settings.sync.exclude).toEqual(['private/**', 'health/*.md'])
    expect(settings.sync.enabled).toBe(true)
    expect(recovered).toEqual(expect.arrayContaining(['folder', 'routing policy', 'sync excludes']))
    expect(policyFellBack).toBe(false)
    // A command to run is never taken from a damaged file.
    expect(settings.ui.editorCommand).toBe('')
  })

  it('falls back to local-only, not auto, and sync off, when nothing can be read', () => {
    const { settings, recovered, policyFellBack } = recoverSettings('\u0000\u0001 not json at all')
    expect(settings.routing.policy).toBe('local-only')
    expect(settings.sync.enabled).toBe(false)
    expect(settings.folder).toBeNull()
    expect(recovered).toEqual([])
    expect(policyFellBack).toBe(true)
    expect(defaultSettings().routing.policy).toBe('auto')
  })

  it('keeps sync off when its excludes are lost, so an excluded note is never sent', () => {
    const text = '{"folder": "/n", "routing": {"policy": "auto"}, "sync": {"enabled": true, "exclude": ["priv'
    const { settings } = recoverSettings(text)
    expect(settings.routing.policy).toBe('auto')
    expect(settings.sync.enabled).toBe(false)
    const invalid = recoverSettings(JSON.stringify({ sync: { enabled: true, exclude: 'private/**' } }))
    expect(invalid.settings.sync.enabled).toBe(false)
  })

  it('trusts no value named twice with different contents', () => {
    const text = '{"routing": {"policy": "auto"}, "routing": {"policy": "local-only"'
    expect(recoverSettings(text).settings.routing.policy).toBe('local-only')
    expect(recoverSettings(text).policyFellBack).toBe(true)
  })

  it('keeps every valid field of a JSON file whose other fields are invalid', () => {
    const text = JSON.stringify({ folder: 42, llm: { threads: 3, contextSize: 'big' }, routing: { policy: 'auto' } })
    const { settings } = recoverSettings(text)
    expect(settings.folder).toBeNull()
    expect(settings.llm.threads).toBe(3)
    expect(settings.llm.contextSize).toBe(defaultSettings().llm.contextSize)
    expect(settings.routing.policy).toBe('auto')
  })
})
