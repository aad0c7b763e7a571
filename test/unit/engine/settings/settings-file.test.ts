import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadSettingsFile, saveSettingsFile } from '../../../../electron/engine/settings/settings-file'
import { migrateSettings, parseSettingsText } from '../../../../shared/parse-settings'
import { defaultDataDir } from '../../../../electron/engine/settings/data-dir'
import { defaultSettings, mergeSettings, SETTINGS_VERSION } from '../../../../shared/settings'
import { makeTempDir } from '../../../support/temp-dir'

const temps: Array<() => void> = []
afterEach(() => temps.splice(0).forEach((cleanup) => cleanup()))

function tempFile(): string {
  const { dir, cleanup } = makeTempDir()
  temps.push(cleanup)
  return path.join(dir, 'settings.json')
}

describe('settings file', () => {
  it('gives defaults when there is no file', () => {
    const { settings, recoveredFrom } = loadSettingsFile(tempFile())
    expect(settings).toEqual(defaultSettings())
    expect(recoveredFrom).toBeNull()
  })

  it('round-trips saved settings', () => {
    const file = tempFile()
    const changed = mergeSettings(defaultSettings(), { folder: '/notes', llm: { threads: 2 }, routing: { policy: 'local-only' } })
    saveSettingsFile(file, changed)
    expect(loadSettingsFile(file).settings).toEqual(changed)
  })

  it('migrates a file written before versions existed and fills new defaults', () => {
    const file = tempFile()
    fs.writeFileSync(file, JSON.stringify({ folder: '/old/notes', llm: { threads: 3 } }))
    const { settings } = loadSettingsFile(file)
    expect(settings.version).toBe(SETTINGS_VERSION)
    expect(settings.folder).toBe('/old/notes')
    expect(settings.llm.threads).toBe(3)
    expect(settings.llm.contextSize).toBe(defaultSettings().llm.contextSize)
    expect(migrateSettings({}).version).toBe(SETTINGS_VERSION)
  })

  it('keeps a corrupt file aside, recovers what it can, and saves the safe result at once', () => {
    const file = tempFile()
    fs.writeFileSync(file, '{ "folder": "/notes", oops')
    const { settings, recoveredFrom, recovery } = loadSettingsFile(file)
    expect(recoveredFrom).not.toBeNull()
    expect(fs.readFileSync(recoveredFrom!, 'utf8')).toContain('oops')
    expect(settings.folder).toBe('/notes')
    // The policy was not in the file: the safe side, not the default `auto`.
    expect(settings.routing.policy).toBe('local-only')
    expect(recovery?.policyFellBack).toBe(true)
    expect(recovery?.recovered).toEqual(['folder'])
    expect(recovery?.message).toMatch(/local-only/)
    // Saved, so the next start reads the same safe values instead of finding no file and using defaults.
    const again = loadSettingsFile(file)
    expect(again.recovery).toBeNull()
    expect(again.settings).toEqual(settings)
  })

  it('rejects invalid values instead of using them, and an invalid policy becomes local-only', () => {
    const file = tempFile()
    fs.writeFileSync(file, JSON.stringify({ version: 1, folder: '/n', routing: { policy: 'everywhere' }, llm: { threads: 2 } }))
    const { settings, recoveredFrom, recovery } = loadSettingsFile(file)
    expect(settings.routing.policy).toBe('local-only')
    expect(settings.folder).toBe('/n')
    expect(settings.llm.threads).toBe(2)
    expect(recoveredFrom).not.toBeNull()
    expect(recovery?.reason).toMatch(/routing\.policy/)
  })

  it('an unreadable file (a folder in its place) is reported, left in place and read as local-only', () => {
    const file = tempFile()
    fs.mkdirSync(file)
    const { settings, recovery } = loadSettingsFile(file)
    expect(settings.routing.policy).toBe('local-only')
    expect(recovery?.message).toMatch(/cannot be read/)
  })
})

describe('defaultDataDir', () => {
  it.each([
    ['linux', { HOME: '/home/u' }, /\.config\/notes-rag$/],
    ['linux', { XDG_CONFIG_HOME: '/xdg' }, /^\/xdg\/notes-rag$/],
    ['darwin', {}, /Library\/Application Support\/notes-rag$/],
    ['win32', { APPDATA: 'C:/Users/u/AppData/Roaming' }, /Roaming.notes-rag$/],
    ['linux', { NOTES_RAG_DATA_DIR: '/custom/data' }, /^\/custom\/data$/],
  ] as const)('%s %j', (platform, env, pattern) => {
    expect(defaultDataDir(env as NodeJS.ProcessEnv, platform)).toMatch(pattern)
  })
})

describe('parseSettingsText', () => {
  it('reads a current file as it is, and migrates a file from before versions existed', () => {
    const current = { ...defaultSettings(), folder: '/notes' }
    expect(parseSettingsText(JSON.stringify(current))).toEqual({ settings: current })
    const { version: _version, ...unversioned } = current
    expect(parseSettingsText(JSON.stringify(unversioned))).toEqual({ settings: { ...current, version: SETTINGS_VERSION } })
  })

  it.each([
    ['{ not json', /not valid settings/],
    ['[1, 2]', /not an object/],
    [JSON.stringify({ version: SETTINGS_VERSION + 1 }), /newer version/],
    [JSON.stringify({ ...defaultSettings(), routing: { policy: 'everywhere' } }), /some values are invalid \(routing\.policy/],
  ])('says why %s is not usable', (text, problem) => {
    const result = parseSettingsText(text)
    expect('problem' in result && result.problem).toMatch(problem)
  })
})
