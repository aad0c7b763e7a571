import { createEmbedder } from '../../electron/engine/embedder/create-embedder'
import type { Embedder } from '../../electron/engine/embedder/types'

/** Where the service finds embedding models: the same Transformers.js loading as the desktop. */
export interface ModelPoolOptions {
  modelsDir: string
  /** Client model id -> the server's model (hub id under modelsDir, or an absolute folder). */
  aliases: Record<string, string>
  allowDownload: boolean
  remoteHost: string
  threads: number
}

/** A loaded model with its fingerprint (the probe sentence embedded as a query), computed once. */
export interface LoadedModel {
  source: string
  embedder: Embedder
  fingerprint: number[]
}

/**
 * Loads each embedding model once and keeps it: the service embeds queries (and re-embeds skewed batches) with the
 * model a user's index was built with. A failed load is not cached, so installing the model fixes it without a restart.
 */
export class ModelPool {
  private readonly loaded = new Map<string, Promise<LoadedModel>>()

  constructor(private readonly options: ModelPoolOptions) {}

  /** The server-side source for a client model id: an operator alias, else the same id under modelsDir. */
  sourceFor(modelId: string): string {
    return this.options.aliases[modelId] ?? modelId
  }

  load(source: string, signal?: AbortSignal): Promise<LoadedModel> {
    let entry = this.loaded.get(source)
    if (!entry) {
      entry = (async () => {
        const embedder = await createEmbedder({
          model: source,
          modelsDir: this.options.modelsDir,
          allowDownload: this.options.allowDownload,
          remoteHost: this.options.remoteHost,
          threads: this.options.threads,
          signal,
        })
        const fingerprint = Array.from(await embedder.fingerprint())
        return { source, embedder, fingerprint }
      })()
      this.loaded.set(source, entry)
      entry.catch(() => {
        if (this.loaded.get(source) === entry) this.loaded.delete(source)
      })
    }
    return entry
  }

  async dispose(): Promise<void> {
    const entries = [...this.loaded.values()]
    this.loaded.clear()
    await Promise.all(entries.map((entry) => entry.then((model) => model.embedder.dispose()).catch(() => undefined)))
  }
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0
  let normA = 0
  let normB = 0
  for (let index = 0; index < a.length; index += 1) {
    dot += a[index] * b[index]
    normA += a[index] * a[index]
    normB += b[index] * b[index]
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB)
}

/** pgvector's text form of a vector. */
export function toPgVector(vector: ArrayLike<number>): string {
  return `[${Array.from(vector, (value) => (Number.isFinite(value) ? value : 0)).join(',')}]`
}
