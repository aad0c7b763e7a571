import fs from 'node:fs'
import path from 'node:path'
import { recoverSettings } from '../../../shared/recover-settings'
import { defaultSettings, settingsSchema, type Settings } from '../../../shared/settings'

export const SETTINGS_FILE = 'settings.json'

/**
 * Main's read-only view of settings.json (the engine owns writes, keeps a broken file aside and pushes
 * `settings-change`). A missing file gives defaults; a broken or unreadable one gives what can be recovered from it
 * with the safe fallbacks (local-only, sync off without its excludes), never the plain defaults.
 */
export function readSettings(dataDir: string): Settings {
  let text: string
  try {
    text = fs.readFileSync(path.join(dataDir, SETTINGS_FILE), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return defaultSettings()
    console.warn('[settings] settings.json cannot be read; using local-only until the engine recovers it', error)
    return recoverSettings('').settings
  }
  try {
    const parsed = settingsSchema.safeParse(JSON.parse(text))
    if (parsed.success) return parsed.data
  } catch {
    // Not JSON: recovered below.
  }
  console.warn('[settings] settings.json is broken; using what can be recovered from it until the engine repairs it')
  return recoverSettings(text).settings
}
