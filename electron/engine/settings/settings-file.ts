import fs from 'node:fs'
import path from 'node:path'
import { errorMessage } from '../../../shared/errors'
import { defaultSettings, type Settings } from '../../../shared/settings'
import { recoverSettings } from '../../../shared/recover-settings'
import { parseSettingsText } from '../../../shared/parse-settings'

/** What happened to a settings file that could not be used as it was; shown to the user by the app and the CLI. */
export interface SettingsRecovery {
  /** Why the file was not usable ("not valid JSON: ...", "permission denied"). */
  reason: string
  /** Where the original was kept, or null when it could not be moved (it is then left untouched in place). */
  keptAs: string | null
  /** Names of the values recovered from it. */
  recovered: string[]
  /** True when the routing policy was lost and local-only was chosen. */
  policyFellBack: boolean
  /** One sentence for the user. */
  message: string
}

export interface LoadedSettings {
  settings: Settings
  /** Set when the file was unreadable or invalid: it was kept aside under this name. */
  recoveredFrom: string | null
  /** Set when the file was unreadable or invalid: what was recovered and what the user should know. */
  recovery: SettingsRecovery | null
}

/**
 * Reads settings.json, migrates and validates it. A missing file gives defaults. A broken or unreadable one is
 * moved aside (never deleted), the values that can still be read are recovered, anything lost falls back to the
 * safe side (`local-only`, sync off without its excludes), and the recovered settings are saved at once, so the
 * next start does not find no file and quietly apply the defaults.
 */
export function loadSettingsFile(file: string): LoadedSettings {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return { settings: defaultSettings(), recoveredFrom: null, recovery: null }
    return recover(file, '', `it cannot be read (${code ?? errorMessage(error)})`)
  }
  const parsed = parseSettingsText(text)
  if ('settings' in parsed) return { settings: parsed.settings, recoveredFrom: null, recovery: null }
  return recover(file, text, parsed.problem)
}

function recover(file: string, text: string, reason: string): LoadedSettings {
  const { settings, recovered, policyFellBack } = recoverSettings(text)
  const aside = `${file}.invalid-${Date.now()}`
  let keptAs: string | null = null
  try {
    fs.renameSync(file, aside)
    keptAs = aside
  } catch {
    // Keeping the original in place is fine too: we only never overwrite it.
  }
  if (keptAs) {
    try {
      saveSettingsFile(file, settings)
    } catch (error) {
      console.warn(`[settings] could not save the recovered settings to ${file}: ${errorMessage(error)}`)
    }
  }
  const message = [
    `settings.json could not be used: ${reason}.`,
    keptAs ? `The original is kept as ${keptAs}.` : 'The original is left in place, untouched.',
    recovered.length > 0 ? `Recovered: ${recovered.join(', ')}.` : 'Nothing could be recovered from it.',
    policyFellBack
      ? 'Your routing choice was lost, so answers stay on this computer (local-only) until you choose again in Settings.'
      : `Routing stays ${settings.routing.policy}.`,
    recovered.includes('sync excludes') ? '' : 'Sync stays off until you check its exclusions and turn it on again.',
  ]
    .filter(Boolean)
    .join(' ')
  console.warn(`[settings] ${message}`)
  return { settings, recoveredFrom: keptAs, recovery: { reason, keptAs, recovered, policyFellBack, message } }
}

/** Writes settings atomically (temp file + rename) so a crash never leaves half a file. */
export function saveSettingsFile(file: string, settings: Settings): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const temp = `${file}.${process.pid}.tmp`
  fs.writeFileSync(temp, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 })
  fs.renameSync(temp, file)
}
