import fs from 'node:fs'
import path from 'node:path'
import { BrainError } from '../../../shared/errors'
import { SETTINGS_VERSION, settingsSchema, type Settings } from '../../../shared/settings'

export interface LoadedSettings {
  settings: Settings
  /** Set when the file was unreadable or invalid: it was kept aside under this name and defaults were used. */
  recoveredFrom: string | null
}

type Migration = (raw: Record<string, unknown>) => Record<string, unknown>

/** Migrations from version N to N+1, keyed by N. Version 0 is a file written before versions existed. */
const MIGRATIONS: Record<number, Migration> = {
  0: (raw) => ({ ...raw, version: 1 }),
}

export function migrateSettings(raw: Record<string, unknown>): Record<string, unknown> {
  let current = raw
  let version = typeof current.version === 'number' ? current.version : 0
  while (version < SETTINGS_VERSION) {
    const migrate = MIGRATIONS[version]
    if (!migrate) throw new BrainError('invalid-input', `No migration from settings version ${version}`)
    current = migrate(current)
    version += 1
  }
  return current
}

/**
 * Reads settings.json, migrates and validates it. A missing file gives defaults; a corrupt one is moved aside
 * (never deleted) so the user's values can be recovered, and defaults are used.
 */
export function loadSettingsFile(file: string): LoadedSettings {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { settings: settingsSchema.parse({}), recoveredFrom: null }
    throw new BrainError('data-dir-unwritable', `Cannot read settings at ${file}: ${(error as Error).message}`, { cause: error })
  }
  try {
    const raw = JSON.parse(text) as Record<string, unknown>
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('not an object')
    if (typeof raw.version === 'number' && raw.version > SETTINGS_VERSION) {
      throw new Error(`written by a newer version (${raw.version})`)
    }
    return { settings: settingsSchema.parse(migrateSettings(raw)), recoveredFrom: null }
  } catch (error) {
    const aside = `${file}.invalid-${Date.now()}`
    try {
      fs.renameSync(file, aside)
    } catch {
      // Keeping the original in place is fine too: we only never overwrite it silently.
    }
    console.warn(`[settings] ${file} is invalid (${(error as Error).message}); kept it as ${aside} and used defaults`)
    return { settings: settingsSchema.parse({}), recoveredFrom: aside }
  }
}

/** Writes settings atomically (temp file + rename) so a crash never leaves half a file. */
export function saveSettingsFile(file: string, settings: Settings): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const temp = `${file}.${process.pid}.tmp`
  fs.writeFileSync(temp, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 })
  fs.renameSync(temp, file)
}
