import OpenAI from 'openai'

/** One OpenAI-compatible backend (vLLM, Ollama, llama.cpp server, a hosted API). */
export interface UpstreamTarget {
  baseUrl: string
  apiKey: string | null
  model: string
  contextTokens: number
}

/** A streamed piece of an upstream answer. */
export type UpstreamEvent =
  | { type: 'delta'; text: string }
  | { type: 'chunk'; chunk: OpenAI.Chat.Completions.ChatCompletionChunk }
  | { type: 'usage'; promptTokens: number; completionTokens: number }

/** Clients per upstream, made once: the SDK keeps its connection pool. */
export class Upstreams {
  private readonly clients = new Map<string, OpenAI>()

  constructor(private readonly timeoutMs: number) {}

  client(target: UpstreamTarget): OpenAI {
    const key = `${target.baseUrl}\n${target.apiKey ?? ''}`
    let client = this.clients.get(key)
    if (!client) {
      client = new OpenAI({ baseURL: target.baseUrl.replace(/\/$/, ''), apiKey: target.apiKey ?? 'no-key', maxRetries: 1, timeout: this.timeoutMs })
      this.clients.set(key, client)
    }
    return client
  }
}
