import path from 'node:path'
import { BrainError } from '../../shared/errors'
import { defaultSettings, settingsSchema, type Settings } from '../../shared/settings'
import { checkGatewayUrl } from '../engine/llm/gateway/gateway-url'
import { dataPaths } from '../engine/settings/data-dir'
import { loadSettingsFile, saveSettingsFile } from '../engine/settings/settings-file'

/** Keys `settings get/set` accept: every section and every leaf, dotted ("sync.enabled"). */
export function settingsKeys(): string[] {
  const keys: string[] = []
  for (const [section, value] of Object.entries(defaultSettings())) {
    keys.push(section)
    if (isPlainObject(value)) for (const leaf of Object.keys(value)) keys.push(`${section}.${leaf}`)
  }
  return keys
}

/** The value at a dotted key; throws invalid-input naming the valid keys for an unknown one. */
export function getSetting(settings: Settings, key: string): unknown {
  assertKnownKey(key)
  const [section, leaf] = key.split('.')
  const value = (settings as Record<string, unknown>)[section]
  return leaf === undefined ? value : (value as Record<string, unknown>)[leaf]
}

/**
 * Settings with `key` set to `raw`, validated by the app's own zod schema. `raw` is tried as JSON first
 * (`true`, `42`, `null`, `["a"]`) and then as plain text, so `gateway.baseUrl https://x/v1` needs no quotes.
 */
export function withSetting(settings: Settings, key: string, raw: string): Settings {
  assertKnownKey(key)
  if (key === 'version') throw new BrainError('invalid-input', 'version is managed by notes-rag and cannot be set.')
  const candidates: unknown[] = []
  try {
    candidates.push(JSON.parse(raw))
  } catch {
    // Not JSON: only the text reading applies.
  }
  candidates.push(raw)
  const section = (defaultSettings() as Record<string, unknown>)[key]
  if (isPlainObject(section) && isPlainObject(candidates[0])) {
    // zod drops unknown fields silently; a misspelt one must be an error, not a no-op.
    const known = Object.keys(section)
    const unknown = Object.keys(candidates[0]).filter((field) => !known.includes(field))
    if (unknown.length > 0) throw new BrainError('invalid-input', `Unknown field(s) ${unknown.join(', ')} in ${key}. Its fields are: ${known.join(', ')}.`, { details: { key } })
  }
  let firstError: string | null = null
  for (const candidate of candidates) {
    const value = key === 'folder' && typeof candidate === 'string' ? path.resolve(candidate) : candidate
    const result = settingsSchema.safeParse(assign(settings, key, value))
    if (result.success) {
      // The schema takes any text as a URL; the gateway client would refuse a bad one later, so refuse it now.
      const { baseUrl, allowInsecureHttp } = result.data.gateway
      if (baseUrl !== null && baseUrl !== settings.gateway.baseUrl) checkGatewayUrl(baseUrl, allowInsecureHttp)
      return result.data
    }
    firstError ??= result.error.issues.map((issue) => `${issue.path.join('.') || key}: ${issue.message}`).join('; ')
  }
  throw new BrainError('invalid-input', `Cannot set ${key} to ${raw}: ${firstError}`, { details: { key, value: raw } })
}

/** Reads settings.json of a data dir (defaults when missing; a corrupt file is kept aside, never overwritten). */
export function readSettings(dataDir: string): { settings: Settings; recoveredFrom: string | null; file: string } {
  const file = dataPaths(dataDir).settings
  return { ...loadSettingsFile(file), file }
}

export function writeSettings(dataDir: string, settings: Settings): void {
  saveSettingsFile(dataPaths(dataDir).settings, settings)
}

/** How a value prints: text as is (for scripts), everything else as JSON. */
export function formatSettingValue(value: unknown, json: boolean): string {
  return typeof value === 'string' && !json ? value : JSON.stringify(value, null, 2)
}

function assign(settings: Settings, key: string, value: unknown): Record<string, unknown> {
  const [section, leaf] = key.split('.')
  const next: Record<string, unknown> = structuredClone(settings)
  if (leaf === undefined) {
    const current = next[section]
    // A section given as an object changes only the fields it names, like the app's updateSettings.
    next[section] = isPlainObject(current) && isPlainObject(value) ? { ...current, ...value } : value
  } else {
    next[section] = { ...(next[section] as Record<string, unknown>), [leaf]: value }
  }
  return next
}

function assertKnownKey(key: string): void {
  if (!settingsKeys().includes(key)) {
    throw new BrainError('invalid-input', `Unknown setting "${key}". Settings are: ${settingsKeys().filter((candidate) => candidate !== 'version').join(', ')}.`, { details: { key } })
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
