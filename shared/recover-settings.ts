import { ROUTING_POLICIES, settingsSchema, type RoutingPolicy, type Settings } from './settings'

/** What could be saved from a settings file that did not parse or validate. */
export interface RecoveredSettings {
  settings: Settings
  /** Human names of the values taken from the broken file ("folder", "routing policy", "sync excludes", ...). */
  recovered: string[]
  /** True when the routing policy was not recoverable and `local-only` was chosen instead of the default. */
  policyFellBack: boolean
}

/** The values that matter most to a user's privacy and setup, read first and reported by name. */
const NAMED_FIELDS: Array<{ section: string | null; key: string; label: string }> = [
  { section: null, key: 'folder', label: 'folder' },
  { section: 'routing', key: 'policy', label: 'routing policy' },
  { section: 'sync', key: 'exclude', label: 'sync excludes' },
  { section: 'sync', key: 'enabled', label: 'sync on/off' },
  { section: 'gateway', key: 'baseUrl', label: 'gateway URL' },
]

/**
 * Best-effort recovery of a broken settings.json. A file that is valid JSON keeps every field that validates on
 * its own; a file that is not JSON (truncated, garbage appended, a half-written editor save) gives up only the
 * fields a pattern can still find. Whatever is lost falls back to a safe value, not the default: the policy to
 * `local-only` (the default `auto` could send notes to the gateway the user had ruled out), and sync is kept on
 * only when its exclusion globs were recovered too, so an excluded note can never be sent because of a broken file.
 * `ui.editorCommand` is never recovered: it runs a program, and a damaged file is no place to take one from.
 */
export function recoverSettings(text: string): RecoveredSettings {
  const candidate = parsedObject(text) ?? extractByPattern(text)
  const result: Record<string, Record<string, unknown>> & { folder?: unknown } = {}
  const defaults = settingsSchema.parse({}) as unknown as Record<string, unknown>
  for (const [key, value] of Object.entries(candidate)) {
    if (key === 'version') continue
    const fallback = defaults[key]
    if (fallback !== null && typeof fallback === 'object' && !Array.isArray(fallback)) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) continue
      const section: Record<string, unknown> = {}
      for (const [field, fieldValue] of Object.entries(value as Record<string, unknown>)) {
        if (key === 'ui' && field === 'editorCommand') continue
        if (fieldValid(key, field, fieldValue)) section[field] = fieldValue
      }
      result[key] = section
    } else if (key in defaults && fieldValid(null, key, value)) {
      ;(result as Record<string, unknown>)[key] = value
    }
  }

  const recovered = NAMED_FIELDS.filter(({ section, key }) =>
    section === null ? (result as Record<string, unknown>)[key] !== undefined : result[section]?.[key] !== undefined,
  ).map(({ label }) => label)

  const policyFellBack = result.routing?.policy === undefined
  result.routing = { ...result.routing, policy: (result.routing?.policy as RoutingPolicy | undefined) ?? 'local-only' }
  if (result.sync && result.sync.exclude === undefined) result.sync.enabled = false
  if (!result.sync || result.sync.enabled === undefined) result.sync = { ...result.sync, enabled: false }

  return { settings: settingsSchema.parse(result), recovered, policyFellBack }
}

function parsedObject(text: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(text) as unknown
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null
  } catch {
    return null
  }
}

/** True when `value` passes the schema for that one field (the rest of the file filled with defaults). */
function fieldValid(section: string | null, key: string, value: unknown): boolean {
  const probe = section === null ? { [key]: value } : { [section]: { [key]: value } }
  return settingsSchema.safeParse(probe).success
}

/**
 * Reads the few important fields out of text that is not JSON. Each must appear exactly once with one value
 * (a file that names two policies says nothing reliable about either).
 */
function extractByPattern(text: string): Record<string, unknown> {
  const out: { folder?: string; routing?: { policy: string }; sync?: { exclude: string[]; enabled?: boolean }; gateway?: { baseUrl: string } } = {}
  const folder = single(text, /"folder"\s*:\s*("(?:[^"\\\n]|\\.)*")/g)
  if (folder !== undefined) {
    const value = jsonValue(folder)
    if (typeof value === 'string') out.folder = value
  }
  const policy = single(text, /"policy"\s*:\s*"([^"\n]*)"/g)
  if (policy !== undefined && (ROUTING_POLICIES as readonly string[]).includes(policy)) out.routing = { policy }
  const exclude = single(text, /"exclude"\s*:\s*(\[[^\]]*\])/g)
  if (exclude !== undefined) {
    const value = jsonValue(exclude)
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) out.sync = { exclude: value }
  }
  const enabled = single(text, /"sync"\s*:\s*\{[^{}]*?"enabled"\s*:\s*(true|false)/g)
  if (enabled !== undefined && out.sync) out.sync.enabled = enabled === 'true'
  const baseUrl = single(text, /"baseUrl"\s*:\s*("(?:[^"\\\n]|\\.)*")/g)
  if (baseUrl !== undefined) {
    const value = jsonValue(baseUrl)
    if (typeof value === 'string') out.gateway = { baseUrl: value }
  }
  return out
}

function single(text: string, pattern: RegExp): string | undefined {
  const values = new Set([...text.matchAll(pattern)].map((match) => match[1]!))
  return values.size === 1 ? [...values][0] : undefined
}

function jsonValue(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
