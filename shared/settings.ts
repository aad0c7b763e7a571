import { z } from 'zod'
import { BrainError } from './errors'
import { WEEK_DATE_MEANINGS } from './period'

export const SETTINGS_VERSION = 1

export const ROUTING_POLICIES = ['local-only', 'auto', 'prefer-gateway'] as const
export type RoutingPolicy = (typeof ROUTING_POLICIES)[number]

/** Default embedding model: small, English, retrieval-tuned, 384 dimensions, quantized ONNX on the hub. */
export const DEFAULT_EMBEDDING_MODEL = 'Xenova/bge-small-en-v1.5'
/** Default chat model: node-llama-cpp model URI of a Q4_K_M Phi-3.5-mini-instruct GGUF. */
export const DEFAULT_CHAT_MODEL = 'hf:bartowski/Phi-3.5-mini-instruct-GGUF:Q4_K_M'

/**
 * The one settings schema, shared by the app and the CLI (a JSON file in the data dir).
 * Every field has a default, so `{}` parses to a complete settings object.
 * The gateway token is not here: it lives in the OS keychain (Electron safeStorage) or in the environment.
 */
/** Longest prompt (tokens) the local model answers when a reachable gateway could, chosen from measured speed. */
export const LOCAL_MAX_PROMPT_TOKENS_DEFAULT = 1024

export const settingsSchema = z.object({
  version: z.literal(SETTINGS_VERSION).default(SETTINGS_VERSION),
  /** The weekly-logs folder; null until the user picks one. */
  folder: z.string().nullable().default(null),
  indexing: z
    .object({
      paused: z.boolean().default(false),
      /** Files larger than this are reported and skipped. */
      maxFileBytes: z.number().int().positive().default(5 * 1024 * 1024),
      extensions: z.array(z.string()).default(['.md', '.markdown', '.txt']),
      /**
       * What the one date of a weekly note stands for: the ISO week that contains it (default: right for notes
       * dated on their Friday, their Sunday or their Monday), the seven days from it, or the seven days ending on it.
       */
      weekDateMeans: z.enum(WEEK_DATE_MEANINGS).default('containing-iso-week'),
    })
    .prefault({}),
  embedding: z
    .object({
      /** A hub model id (downloaded on first use) or a local folder. */
      model: z.string().default(DEFAULT_EMBEDDING_MODEL),
      /** Where Transformers.js looks for hub-style model folders; null = <dataDir>/models. */
      modelsDir: z.string().nullable().default(null),
      allowDownload: z.boolean().default(true),
      /** Hub host for downloads (the product uses huggingface.co; tests point it at a local server). */
      remoteHost: z.string().default('https://huggingface.co/'),
      batchSize: z.number().int().min(1).max(256).default(16),
      /** ONNX Runtime threads for embedding; 0 = every logical core (measured fastest; lower it to keep cores free). */
      threads: z.number().int().min(0).max(256).default(0),
    })
    .prefault({}),
  llm: z
    .object({
      /** A local .gguf path or a node-llama-cpp model URI (`hf:...` / https URL). */
      model: z.string().default(DEFAULT_CHAT_MODEL),
      /** llama.cpp CPU threads; 0 = one fewer than the machine's cores, at least 1 (measured fastest on a busy CPU). */
      threads: z.number().int().min(0).max(256).default(0),
      contextSize: z.number().int().min(256).max(131072).default(4096),
      /** Unload the local model after this many idle seconds. */
      idleUnloadSeconds: z.number().int().min(0).default(300),
      maxAnswerTokens: z.number().int().min(16).max(8192).default(512),
      temperature: z.number().min(0).max(2).default(0.2),
    })
    .prefault({}),
  routing: z
    .object({
      policy: z.enum(ROUTING_POLICIES).default('auto'),
      /**
       * Under `auto`, prompts longer than this go to the gateway when it is reachable: the local model reads them
       * too slowly (README, Measured: a 2-core CPU reads a Phi-3.5-mini prompt at a few tokens/s). 0 = no limit.
       */
      localMaxPromptTokens: z.number().int().min(0).default(LOCAL_MAX_PROMPT_TOKENS_DEFAULT),
    })
    .prefault({}),
  gateway: z
    .object({
      /** OpenAI-compatible base URL including /v1, e.g. https://llm.homelab.lan/v1; null = not configured. */
      baseUrl: z.string().nullable().default(null),
      smallModel: z.string().default('small'),
      largeModel: z.string().default('large'),
      /** Questions whose packed prompt exceeds this many tokens go to the large model. */
      largeModelThresholdTokens: z.number().int().min(0).default(6000),
      /** Contexts of the gateway models, used to decide whether a prompt fits. */
      contextTokens: z.number().int().min(512).default(32768),
      requestTimeoutMs: z.number().int().min(100).default(60_000),
      probeTimeoutMs: z.number().int().min(100).default(3_000),
      /** http:// is refused for hosts other than loopback unless this is on. */
      allowInsecureHttp: z.boolean().default(false),
      /** Cost per 1M tokens, for the answer's cost figure when the gateway reports usage without a price. */
      pricePerMillionInput: z.number().min(0).default(0),
      pricePerMillionOutput: z.number().min(0).default(0),
    })
    .prefault({}),
  sync: z
    .object({
      enabled: z.boolean().default(false),
      /** Globs (relative to the folder) never sent, e.g. "private/**". */
      exclude: z.array(z.string()).default([]),
      maxBatchBytes: z.number().int().min(1024).default(4 * 1024 * 1024),
    })
    .prefault({}),
  ui: z
    .object({
      theme: z.enum(['system', 'light', 'dark']).default('system'),
      quickSearchShortcut: z.string().default('CmdOrCtrl+Shift+Space'),
      openAtLogin: z.boolean().default(false),
      /** Command to open a note, `{path}` and `{line}` replaced; empty = the OS default app. */
      editorCommand: z.string().default(''),
    })
    .prefault({}),
})

export type Settings = z.infer<typeof settingsSchema>

/** A deep partial of Settings, for `updateSettings`. */
export type SettingsPatch = { [K in keyof Settings]?: Settings[K] extends object ? Partial<Settings[K]> : Settings[K] }

export function defaultSettings(): Settings {
  return settingsSchema.parse({})
}

/** Applies a patch section by section and validates the result. */
export function mergeSettings(current: Settings, patch: SettingsPatch): Settings {
  const next: Record<string, unknown> = { ...current }
  for (const [key, value] of Object.entries(patch)) {
    const existing = (current as Record<string, unknown>)[key]
    next[key] =
      value !== null && typeof value === 'object' && !Array.isArray(value) && typeof existing === 'object' && existing !== null
        ? { ...existing, ...value }
        : value
  }
  return settingsSchema.parse(next)
}

/**
 * `ui.editorCommand` names a program main runs, so the generic `updateSettings` (which the renderer reaches) never
 * changes it: a patch that repeats the current value has it stripped, one that changes it is refused. Main's
 * `setEditorCommand` (with a confirmation dialog) and the CLI's `settings set` are the ways to change it.
 */
export function withoutEditorCommand(patch: SettingsPatch, current: Settings): SettingsPatch {
  if (patch === null || typeof patch !== 'object' || patch.ui === null || typeof patch.ui !== 'object' || !Object.hasOwn(patch.ui, 'editorCommand')) return patch
  const { editorCommand, ...ui } = patch.ui
  if (editorCommand !== current.ui.editorCommand) {
    throw new BrainError('invalid-input', 'The editor command runs a program, so it is changed only in the app\'s own confirmation dialog (setEditorCommand) or with `notes-rag settings set ui.editorCommand`, never through updateSettings.', {
      details: { key: 'ui.editorCommand' },
    })
  }
  return { ...patch, ui }
}
