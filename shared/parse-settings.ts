import { BrainError, errorMessage } from './errors'
import { SETTINGS_VERSION, settingsSchema, type Settings } from './settings'

// Pure (no Node, no I/O): the engine's settings file and main's read-only view both parse through it.

/** The settings file's name inside the data dir (the engine writes it; main and the CLI read it). */
export const SETTINGS_FILE_NAME = 'settings.json'

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
 * The one way settings.json's text becomes Settings: JSON, an object, not from a newer version, migrated, then
 * validated. Pure (no I/O), so every reader of the file agrees on what a valid file is; `problem` says why not.
 */
export function parseSettingsText(text: string): { settings: Settings } | { problem: string } {
  try {
    const raw = JSON.parse(text) as Record<string, unknown>
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BrainError('invalid-input', 'not an object')
    if (typeof raw.version === 'number' && raw.version > SETTINGS_VERSION) {
      throw new BrainError('invalid-input', `written by a newer version (${raw.version})`)
    }
    const parsed = settingsSchema.safeParse(migrateSettings(raw))
    if (parsed.success) return { settings: parsed.data }
    const fields = parsed.error.issues.map((issue) => issue.path.join('.')).filter(Boolean)
    return { problem: `some values are invalid (${[...new Set(fields)].slice(0, 5).join(', ') || 'schema'})` }
  } catch (error) {
    return { problem: `it is not valid settings (${errorMessage(error)})` }
  }
}
