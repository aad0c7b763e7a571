import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import type { ChatHistoryItem, ChatWrapper, LlamaContext, LlamaModel } from 'node-llama-cpp'
import { BrainError, isAbortError, throwIfAborted, errorMessage, abortedError } from '../../../../shared/errors'
import { SerialQueue } from '../../async/serial-queue'
import type { ChatBackend, ChatMessage, CompletionRequest, CompletionResult } from '../types'
import { assertGgufFileIntact, type GgufFileSummary } from './gguf-file-check'
import { getSharedLlama, loadLlamaCpp, type LocalGpuSetting } from './llama-instance'
import { resolveLocalThreads } from './local-threads'
import { checkMemoryFit, estimateModelMemoryBytes, formatGibibytes } from './memory-estimate'

/** How to load a local GGUF chat model. */
export interface LocalChatBackendOptions {
  modelPath: string
  /** llama.cpp CPU threads; 0 = one fewer than the machine's cores (`resolveLocalThreads`). */
  threads: number
  /** Requested context window; the model's training context caps it. */
  contextSize: number
  gpu?: LocalGpuSetting
  /** Unload the model after this many seconds without calls and reload it on the next one; 0 or absent = never. */
  idleUnloadSeconds?: number
  signal?: AbortSignal
}

interface LoadedModel {
  model: LlamaModel
  context: LlamaContext
  // Resolving the wrapper compares the model's Jinja template with the known ones and takes about a second, so it
  // is done once per load instead of in every session.
  chatWrapper: ChatWrapper
}

/** A chat backend over a local GGUF model run by node-llama-cpp on this machine. */
export class LocalChatBackend implements ChatBackend {
  readonly kind = 'local' as const
  readonly model: string
  readonly contextTokens: number
  /** The llama.cpp threads the context runs with (the setting, or what 0 resolved to on this machine). */
  readonly threads: number

  private loaded: LoadedModel | null
  private loading: Promise<LoadedModel> | null = null
  private idleTimer: NodeJS.Timeout | null = null
  private activeCalls = 0
  // One context sequence is shared by every call, so calls run one after another.
  private readonly queue = new SerialQueue()
  private disposed = false
  private loadCount = 1
  // Fired by dispose() so a running answer stops (keeping its partial text) instead of holding shutdown up.
  private readonly lifetime = new AbortController()

  private constructor(
    private readonly options: LocalChatBackendOptions,
    loaded: LoadedModel,
  ) {
    this.model = path.basename(options.modelPath)
    this.loaded = loaded
    this.contextTokens = loaded.context.contextSize
    this.threads = loaded.context.idealThreads
    this.scheduleIdleUnload()
  }

  /** Checks the file (missing, truncated, too big for memory) and loads it; throws a `BrainError` with a model-* code. */
  static async load(options: LocalChatBackendOptions): Promise<LocalChatBackend> {
    const summary = await assertGgufFileIntact(options.modelPath, options.signal)
    assertFitsInMemory(options, summary)
    const loaded = await loadModel(options, options.signal)
    return new LocalChatBackend(options, loaded)
  }

  /** Whether the weights are in memory right now (false after an idle unload, until the next call). */
  get isLoaded(): boolean {
    return this.loaded !== null
  }

  /** How many times the weights were loaded: 1 after `load()`, +1 for every reload after an idle unload. */
  get loads(): number {
    return this.loadCount
  }

  async countTokens(text: string): Promise<number> {
    // Tokenizing is cheap and touches no sequence, so it need not wait behind a running answer.
    if (this.loaded && !this.disposed) {
      const count = this.loaded.model.tokenize(text).length
      this.scheduleIdleUnload()
      return count
    }
    return this.run(undefined, async ({ model }) => model.tokenize(text).length)
  }

  /** Tokens of `messages` as the model's chat template lays them out, i.e. what `complete()` will evaluate. */
  async countMessageTokens(messages: ChatMessage[]): Promise<number> {
    const { history, prompt } = toSessionInput(messages)
    if (this.loaded && !this.disposed) {
      const count = formattedTokenCount(this.loaded, history, prompt)
      this.scheduleIdleUnload()
      return count
    }
    return this.run(undefined, async (loaded) => formattedTokenCount(loaded, history, prompt))
  }

  async complete(request: CompletionRequest): Promise<CompletionResult> {
    const started = performance.now()
    const aborted = (text: string): CompletionResult => ({
      text,
      tokensIn: null,
      tokensOut: null,
      cost: null,
      timeToFirstTokenMs: null,
      aborted: true,
    })
    if (request.signal?.aborted) return aborted('')
    const { history, prompt } = toSessionInput(request.messages)
    const signal = request.signal ? AbortSignal.any([request.signal, this.lifetime.signal]) : this.lifetime.signal
    try {
      return await this.run(signal, async (loaded) => {
        const { context, chatWrapper } = loaded
        const { LlamaChatSession } = await loadLlamaCpp()
        const session = new LlamaChatSession({ contextSequence: context.getSequence(), autoDisposeSequence: true, chatWrapper })
        try {
          const promptTokens = formattedTokenCount(loaded, history, prompt)
          // A prompt that does not fit would make node-llama-cpp silently drop turns (or fail deep inside), so
          // refuse it plainly; and cap the answer so generation never shifts the system prompt out of the window.
          if (promptTokens >= this.contextTokens) {
            throw new BrainError(
              'invalid-input',
              `The prompt is ${promptTokens} tokens but the local model's context holds ${this.contextTokens}. Use fewer notes or a shorter question.`,
              { details: { promptTokens, contextTokens: this.contextTokens } },
            )
          }
          const maxTokens = Math.max(1, Math.min(request.maxTokens, this.contextTokens - promptTokens))
          session.setChatHistory(history)
          const meter = session.sequence.tokenMeter
          const inputBefore = meter.usedInputTokens
          const outputBefore = meter.usedOutputTokens
          let firstChunkAt: number | null = null
          const result = await session.promptWithMeta(prompt, {
            maxTokens,
            temperature: request.temperature,
            signal,
            stopOnAbortSignal: true,
            onTextChunk: (chunk) => {
              if (firstChunkAt === null) firstChunkAt = performance.now()
              request.onDelta?.(chunk)
            },
          })
          return {
            text: result.responseText,
            tokensIn: meter.usedInputTokens - inputBefore,
            tokensOut: meter.usedOutputTokens - outputBefore,
            cost: null,
            timeToFirstTokenMs: firstChunkAt === null ? null : firstChunkAt - started,
            aborted: result.stopReason === 'abort' || signal?.aborted === true,
          }
        } finally {
          session.dispose()
        }
      })
    } catch (error) {
      // An abort that lands before generation starts (while queued or reloading) has no partial text.
      if (signal?.aborted && isAbortError(error)) return aborted('')
      if (error instanceof BrainError) throw error
      if (signal?.aborted) return aborted('')
      throw new BrainError('internal', `The local model failed while answering: ${errorMessage(error)}`, { cause: error, retryable: true })
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    this.clearIdleTimer()
    this.lifetime.abort()
    await this.queue.whenIdle()
    await this.unload()
  }

  /** Runs `work` with the model loaded, after earlier calls, keeping the idle timer off while it runs. */
  private run<T>(signal: AbortSignal | undefined, work: (loaded: LoadedModel) => Promise<T>): Promise<T> {
    if (this.disposed) return Promise.reject(new BrainError('engine-unavailable', 'The local model was closed.'))
    this.activeCalls++
    this.clearIdleTimer()
    const task = this.queue.run(async () => {
      throwIfAborted(signal)
      return work(await this.ensureLoaded(signal))
    })
    return task.finally(() => {
      this.activeCalls--
      this.scheduleIdleUnload()
    })
  }

  private async ensureLoaded(signal: AbortSignal | undefined): Promise<LoadedModel> {
    if (this.loaded) return this.loaded
    if (!this.loading) {
      this.loading = (async () => {
        // The file may have been replaced or damaged while unloaded: check it again before mapping it.
        const summary = await assertGgufFileIntact(this.options.modelPath, signal)
        assertFitsInMemory(this.options, summary)
        const loaded = await loadModel(this.options, signal)
        this.loadCount++
        return loaded
      })().finally(() => {
        this.loading = null
      })
    }
    const loaded = await this.loading
    if (this.disposed) {
      await disposeLoaded(loaded)
      throw new BrainError('engine-unavailable', 'The local model was closed.')
    }
    this.loaded = loaded
    return loaded
  }

  private scheduleIdleUnload(): void {
    const seconds = this.options.idleUnloadSeconds ?? 0
    if (seconds <= 0 || this.disposed || this.activeCalls > 0 || !this.loaded) return
    this.clearIdleTimer()
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null
      if (this.activeCalls === 0) void this.unload()
    }, seconds * 1000)
    // An idle timer must not keep the process (CLI, tests) alive.
    this.idleTimer.unref()
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.idleTimer = null
  }

  private async unload(): Promise<void> {
    const loaded = this.loaded
    this.loaded = null
    if (loaded) await disposeLoaded(loaded)
  }
}

function assertFitsInMemory(options: LocalChatBackendOptions, summary: GgufFileSummary): void {
  const contextSize = Math.min(options.contextSize, summary.contextLength ?? options.contextSize)
  const fit = checkMemoryFit({
    requiredBytes: estimateModelMemoryBytes(summary, contextSize),
    freeBytes: os.freemem(),
    totalBytes: os.totalmem(),
    platform: process.platform,
  })
  if (fit.fits) return
  throw new BrainError(
    'model-insufficient-memory',
    `The model ${path.basename(options.modelPath)} needs about ${formatGibibytes(fit.requiredBytes)} of memory with a ` +
      `${contextSize}-token context, but only ${formatGibibytes(fit.freeBytes)} of ${formatGibibytes(fit.totalBytes)} is free. ` +
      'Close other apps, lower the context size, or choose a smaller model.',
    { retryable: true, details: { ...fit, contextSize } },
  )
}

async function loadModel(options: LocalChatBackendOptions, signal: AbortSignal | undefined): Promise<LoadedModel> {
  const name = path.basename(options.modelPath)
  let model: LlamaModel | null = null
  try {
    throwIfAborted(signal)
    const llama = await getSharedLlama(options.gpu ?? 'auto')
    model = await llama.loadModel({ modelPath: options.modelPath, loadSignal: signal })
    const context = await model.createContext({
      contextSize: Math.max(1, Math.min(options.contextSize, model.trainContextSize)),
      threads: resolveLocalThreads(options.threads, llama.cpuMathCores),
      sequences: 1,
      createSignal: signal,
    })
    const { resolveChatWrapper } = await loadLlamaCpp()
    return { model, context, chatWrapper: resolveChatWrapper(model) }
  } catch (error) {
    if (model) await model.dispose().catch(() => undefined)
    if (error instanceof BrainError) throw error
    if (signal?.aborted) throw abortedError(error)
    if (await isInsufficientMemory(error)) {
      throw new BrainError('model-insufficient-memory', `There is not enough memory to load the model ${name}: ${errorMessage(error)}`, {
        retryable: true,
        cause: error,
      })
    }
    throw new BrainError('model-load-failed', `The model ${name} could not be loaded: ${errorMessage(error)}`, {
      cause: error,
      details: { path: options.modelPath },
    })
  }
}

async function isInsufficientMemory(error: unknown): Promise<boolean> {
  try {
    return error instanceof (await loadLlamaCpp()).InsufficientMemoryError
  } catch {
    return false
  }
}

async function disposeLoaded(loaded: LoadedModel): Promise<void> {
  await loaded.context.dispose()
  await loaded.model.dispose()
}

/** Splits chat messages into node-llama-cpp history and the final user prompt. */
export function toSessionInput(messages: ChatMessage[]): { history: ChatHistoryItem[]; prompt: string } {
  const last = messages.at(-1)
  if (!last || last.role !== 'user') {
    throw new BrainError('invalid-input', 'A completion needs a user message last.')
  }
  const history: ChatHistoryItem[] = messages.slice(0, -1).map((message) => {
    if (message.role === 'system') return { type: 'system', text: message.content }
    if (message.role === 'user') return { type: 'user', text: message.content }
    return { type: 'model', response: [message.content] }
  })
  return { history, prompt: last.content }
}

function formattedTokenCount({ model, chatWrapper }: LoadedModel, history: ChatHistoryItem[], prompt: string): number {
  const chatHistory: ChatHistoryItem[] = [...history, { type: 'user', text: prompt }, { type: 'model', response: [] }]
  const { contextText } = chatWrapper.generateContextState({ chatHistory })
  return contextText.tokenize(model.tokenizer).length
}

