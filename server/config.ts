import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { errorMessage } from '../shared/errors'

const upstreamSchema = z.object({
  /** OpenAI-compatible base URL including /v1 (vLLM, Ollama, llama.cpp server). */
  baseUrl: z.string().url(),
  apiKey: z.string().nullable().default(null),
  model: z.string().min(1),
  contextTokens: z.number().int().min(512).default(8192),
  pricePerMillionInput: z.number().min(0).default(0),
  pricePerMillionOutput: z.number().min(0).default(0),
})

/** The service configuration: a JSON file (`--config` or NOTES_RAG_SERVER_CONFIG), then environment variables on top. */
export const serverConfigSchema = z.object({
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8787),
  database: z
    .object({
      /** postgres://… for a real Postgres with pgvector; null: the embedded PGlite in dataDir. */
      url: z.string().nullable().default(null),
      /** PGlite's folder; null keeps everything in memory (tests). */
      dataDir: z.string().nullable().default('./notes-rag-server-data'),
      maxConnections: z.number().int().min(1).default(10),
    })
    .prefault({}),
  embedding: z
    .object({
      /** Models in the hub layout (<modelsDir>/<org>/<name>/), as the desktop keeps them. */
      modelsDir: z.string().default('./models'),
      /** Client model id -> server model (hub id or absolute folder): the "alias the operator configured". */
      aliases: z.record(z.string(), z.string()).default({}),
      allowDownload: z.boolean().default(false),
      remoteHost: z.string().default('https://huggingface.co/'),
      threads: z.number().int().min(1).max(64).default(1),
    })
    .prefault({}),
  sync: z
    .object({
      maxBatchBytes: z.number().int().min(1024).default(8 * 1024 * 1024),
      /** A batch from a different model: re-embed its text with the user's model (the contract), or refuse it (400). */
      skew: z.enum(['re-embed', 'refuse']).default('re-embed'),
    })
    .prefault({}),
  chat: z
    .object({
      ragModel: z.string().default('notes-rag'),
      small: upstreamSchema.nullable().default(null),
      large: upstreamSchema.nullable().default(null),
      largeThresholdTokens: z.number().int().min(0).default(6000),
      defaultMaxTokens: z.number().int().min(16).default(512),
      timeoutMs: z.number().int().min(100).default(120_000),
      /** Exposed model names forwarded as they are; the desktop's defaults are "small" and "large". */
      passThrough: z.record(z.string(), z.enum(['small', 'large'])).default({ small: 'small', large: 'large' }),
    })
    .prefault({}),
  rateLimit: z
    .object({
      chatPerMinute: z.number().int().min(0).default(30),
      syncPerMinute: z.number().int().min(0).default(600),
    })
    .prefault({}),
  drift: z
    .object({
      windowQueries: z.number().int().min(5).default(50),
      minQueries: z.number().int().min(2).default(20),
      alpha: z.number().gt(0).lt(1).default(0.01),
      outsideQuantile: z.number().min(0).max(0.5).default(0.02),
      baselineSample: z.number().int().min(10).default(100),
    })
    .prefault({}),
  /** Bearer token for /metrics; null: /metrics is open (bind to a private network). */
  metricsToken: z.string().nullable().default(null),
})

export type ServerConfig = z.infer<typeof serverConfigSchema>
export type ServerConfigInput = z.input<typeof serverConfigSchema>

/** Thrown for a configuration that cannot be used; the message says which setting and why. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

export function parseConfig(input: unknown): ServerConfig {
  const parsed = serverConfigSchema.safeParse(input)
  if (!parsed.success) {
    throw new ConfigError(`Invalid configuration: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`)
  }
  return parsed.data
}

/** Reads the file (if any), then applies NOTES_RAG_SERVER_* environment variables over it. */
export function loadConfig(env: NodeJS.ProcessEnv, file: string | null = env.NOTES_RAG_SERVER_CONFIG ?? null): ServerConfig {
  let base: Record<string, unknown> = {}
  if (file) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (error) {
      throw new ConfigError(`Cannot read the configuration file ${file}: ${errorMessage(error)}`)
    }
    try {
      base = JSON.parse(text) as Record<string, unknown>
    } catch (error) {
      throw new ConfigError(`The configuration file ${file} is not JSON: ${errorMessage(error)}`)
    }
  }
  const config = structuredClone(base) as Record<string, Record<string, unknown> & object>
  const section = (name: string) => (config[name] ??= {}) as Record<string, unknown>
  const number = (name: string, value: string) => {
    const parsed = Number(value)
    if (!Number.isFinite(parsed)) throw new ConfigError(`${name} must be a number, got ${JSON.stringify(value)}.`)
    return parsed
  }
  const set = (name: string, apply: (value: string) => void) => {
    const value = env[name]
    if (value !== undefined && value !== '') apply(value)
  }
  set('NOTES_RAG_SERVER_HOST', (value) => (config.host = value as never))
  set('NOTES_RAG_SERVER_PORT', (value) => (config.port = number('NOTES_RAG_SERVER_PORT', value) as never))
  set('NOTES_RAG_SERVER_DATABASE_URL', (value) => (section('database').url = value))
  set('NOTES_RAG_SERVER_DATA_DIR', (value) => (section('database').dataDir = value))
  set('NOTES_RAG_SERVER_MODELS_DIR', (value) => (section('embedding').modelsDir = value))
  set('NOTES_RAG_SERVER_SKEW', (value) => (section('sync').skew = value))
  set('NOTES_RAG_SERVER_METRICS_TOKEN', (value) => (config.metricsToken = value as never))
  for (const size of ['SMALL', 'LARGE'] as const) {
    const key = size.toLowerCase()
    set(`NOTES_RAG_SERVER_${size}_URL`, (value) => (section('chat')[key] = { ...((section('chat')[key] as object) ?? {}), baseUrl: value }))
    set(`NOTES_RAG_SERVER_${size}_MODEL`, (value) => (section('chat')[key] = { ...((section('chat')[key] as object) ?? {}), model: value }))
    set(`NOTES_RAG_SERVER_${size}_API_KEY`, (value) => (section('chat')[key] = { ...((section('chat')[key] as object) ?? {}), apiKey: value }))
    set(`NOTES_RAG_SERVER_${size}_CONTEXT_TOKENS`, (value) => (section('chat')[key] = { ...((section('chat')[key] as object) ?? {}), contextTokens: number(`NOTES_RAG_SERVER_${size}_CONTEXT_TOKENS`, value) }))
  }
  set('NOTES_RAG_SERVER_CHAT_PER_MINUTE', (value) => (section('rateLimit').chatPerMinute = number('NOTES_RAG_SERVER_CHAT_PER_MINUTE', value)))
  return parseConfig(config)
}
