import fs from 'node:fs'
import path from 'node:path'
import { defaultSettings, settingsSchema, type Settings } from '../../../shared/settings'

export const SETTINGS_FILE = 'settings.json'

/**
 * Main's read-only view of settings.json (the engine owns writes and pushes `settings-change`).
 * A missing or broken file gives defaults, so the app still starts and the engine can repair it.
 */
export function readSettings(dataDir: string): Settings {
  let text: string
  try {
    text = fs.readFileSync(path.join(dataDir, SETTINGS_FILE), 'utf8')
  } catch {
    return defaultSettings()
  }
  try {
    const parsed = settingsSchema.safeParse(JSON.parse(text))
    if (parsed.success) return parsed.data
    console.warn('[settings] settings.json does not match the schema; using defaults until the engine repairs it', parsed.error.message)
  } catch (error) {
    console.warn('[settings] settings.json is not valid JSON; using defaults', error)
  }
  return defaultSettings()
}
