import fs from 'node:fs'
import path from 'node:path'
import { parseSettingsText, SETTINGS_FILE_NAME } from '../../../shared/parse-settings'
import { recoverSettings } from '../../../shared/recover-settings'
import { defaultSettings, type Settings } from '../../../shared/settings'

/**
 * Main's read-only view of settings.json (the engine owns writes, keeps a broken file aside and pushes
 * `settings-change`). It parses through the engine's own parser (`parseSettingsText`: migrated, newer versions
 * refused), so both sides agree on what a valid file is. A missing file gives defaults; a broken or unreadable one
 * gives what can be recovered from it with the safe fallbacks (local-only, sync off without its excludes), never
 * the plain defaults.
 */
export function readSettings(dataDir: string): Settings {
  let text: string
  try {
    text = fs.readFileSync(path.join(dataDir, SETTINGS_FILE_NAME), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return defaultSettings()
    console.warn('[settings] settings.json cannot be read; using local-only until the engine recovers it', error)
    return recoverSettings('').settings
  }
  const parsed = parseSettingsText(text)
  if ('settings' in parsed) return parsed.settings
  console.warn(`[settings] settings.json could not be used (${parsed.problem}); using what can be recovered from it until the engine repairs it`)
  return recoverSettings(text).settings
}
