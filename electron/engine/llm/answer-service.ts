import type { AnswerEnd, AskRequest } from '../../../shared/answer'
import { BrainError, isAbortError, toErrorData } from '../../../shared/errors'
import type { GatewayStatus } from '../../../shared/gateway'
import type { CallEventListener, EngineEventName, EngineEvents } from '../../../shared/ipc'
import type { ModelDownloadStatus } from '../../../shared/model-download'
import type { SearchOptions, SearchResult } from '../../../shared/search'
import type { Settings } from '../../../shared/settings'
import type { Disposable } from '../../../shared/lifecycle'
import { ChatModelManager } from '../models/chat-model-manager'
import type { MetaStore } from '../store/meta-store'
import { answerQuestion } from './answer/answer-question'
import { GatewayClient } from './gateway/gateway-client'
import { LocalChatBackend } from './local/local-chat-backend'
import type { ChatBackend } from './types'

export interface AnswerServiceOptions {
  meta: MetaStore
  modelsDir: string
  settings: () => Settings
  search: (query: string, options: SearchOptions, signal?: AbortSignal) => Promise<SearchResult>
  gatewayToken: string | null
  emit: <E extends EngineEventName>(event: E, payload: EngineEvents[E]) => void
}

/**
 * Answers questions: owns the local model (loaded on first use, unloaded when idle), the gateway client and its
 * reachability probe, the chat-model download, the running answers (stopped on dispose), and saving
 * questions and answers into conversations.
 */
export class AnswerService implements Disposable {
  private gateway: GatewayClient | null = null
  private local: { key: string; backend: Promise<LocalChatBackend> } | null = null
  private readonly running = new Set<AbortController>()
  private readonly models: ChatModelManager
  private download: { controller: AbortController; promise: Promise<string> } | null = null
  private token: string | null
  private probeInBackground = true

  constructor(private readonly options: AnswerServiceOptions) {
    this.token = options.gatewayToken
    this.models = new ChatModelManager({
      modelsDir: options.modelsDir,
      onStatus: (status) => options.emit('model-download', status),
    })
  }

  /** Creates the gateway client (unless local-only); `probe` keeps checking its reachability in the background. */
  start(options: { probe: boolean }): void {
    this.probeInBackground = options.probe
    this.rebuildGateway()
  }

  setGatewayToken(token: string | null): void {
    this.token = token
    this.gateway?.setToken(token)
    if (this.probeInBackground) void this.gateway?.probe()
  }

  gatewayStatus(): GatewayStatus {
    if (this.options.settings().routing.policy === 'local-only') return { type: 'disabled', reason: 'local-only' }
    return this.gateway?.status() ?? { type: 'not-configured' }
  }

  async probeGateway(signal?: AbortSignal): Promise<GatewayStatus> {
    if (!this.gateway) return this.gatewayStatus()
    return this.gateway.probe(signal)
  }

  onSettingsChanged(previous: Settings, next: Settings): void {
    if (JSON.stringify(previous.gateway) !== JSON.stringify(next.gateway) || previous.routing.policy !== next.routing.policy) {
      this.rebuildGateway()
    }
    if (JSON.stringify(previous.llm) !== JSON.stringify(next.llm)) void this.unloadLocal()
  }

  /**
   * Answers one question, streaming `answer-delta` and `answer-reasoning-delta` to `onEvent` (the caller's own
   * listener, never a broadcast). Aborting `signal` stops it: the answer then has the partial text.
   */
  async ask(request: AskRequest, signal?: AbortSignal, onEvent?: CallEventListener): Promise<AnswerEnd> {
    if (!request || typeof request.question !== 'string' || request.question.trim() === '') {
      throw new BrainError('invalid-input', 'Ask a question.')
    }
    const controller = new AbortController()
    const combined = signal ? AbortSignal.any([signal, controller.signal]) : controller.signal
    this.running.add(controller)
    const { meta } = this.options
    const settings = this.options.settings()
    let history = request.history
    if (request.conversationId) {
      const conversation = meta.conversations.get(request.conversationId)
      history ??= conversation.messages.map((message) => ({ role: message.role, content: message.content }))
      meta.conversations.appendMessage(request.conversationId, { role: 'user', content: request.question, answer: null })
      if (conversation.messages.length === 0 && /^New conversation$/.test(conversation.title)) {
        meta.conversations.rename(request.conversationId, titleFrom(request.question))
      }
    }
    let answer: AnswerEnd
    try {
      answer = await answerQuestion(
        { ...request, history },
        {
          search: this.options.search,
          loadLocal: this.localLoader(settings),
          gateway: settings.routing.policy === 'local-only' ? null : this.gateway,
          settings,
          onDelta: (text) => onEvent?.('answer-delta', { answerId: request.answerId, text }),
          onReasoningDelta: (text) => onEvent?.('answer-reasoning-delta', { answerId: request.answerId, text }),
        },
        combined,
      )
    } catch (error) {
      if (!isAbortError(error)) throw error
      answer = emptyAnswer(request, toErrorData(error))
    } finally {
      this.running.delete(controller)
    }
    if (request.conversationId) {
      const { text, ...rest } = answer
      meta.conversations.appendMessage(request.conversationId, { role: 'assistant', content: text, answer: rest })
    }
    return answer
  }

  chatModelStatus(): Promise<ModelDownloadStatus> {
    return this.models.status(this.options.settings().llm.model)
  }

  /** Downloads the chat model with progress events; a second call while one runs joins it. */
  async downloadChatModel(signal?: AbortSignal): Promise<ModelDownloadStatus> {
    if (!this.download) {
      const controller = new AbortController()
      const promise = this.models.download(this.options.settings().llm.model, controller.signal).finally(() => {
        if (this.download?.promise === promise) this.download = null
      })
      this.download = { controller, promise }
    }
    const { promise } = this.download
    const onAbort = () => this.download?.controller.abort()
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      await promise
    } catch (error) {
      // The failure is already reported through the status; the caller gets the status, not an exception.
      if (!isAbortError(error)) console.warn('[models] chat model download failed', error)
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
    return this.chatModelStatus()
  }

  cancelChatModelDownload(): boolean {
    const running = this.download
    running?.controller.abort()
    return running !== null
  }

  /**
   * The local model loader the router calls; it loads once per model/threads/context combination and keeps the
   * backend (which unloads its weights itself when idle). Null when no local model file is available.
   */
  private localLoader(settings: Settings): ((signal?: AbortSignal) => Promise<ChatBackend>) | null {
    const modelPath = this.models.resolveLocalPath(settings.llm.model)
    if (!modelPath) return null
    const key = JSON.stringify([modelPath, settings.llm.threads, settings.llm.contextSize])
    return async (signal) => {
      if (this.local?.key !== key) {
        await this.unloadLocal()
        const backend = LocalChatBackend.load({
          modelPath,
          threads: settings.llm.threads,
          contextSize: settings.llm.contextSize,
          idleUnloadSeconds: settings.llm.idleUnloadSeconds,
          signal,
        })
        this.local = { key, backend }
        // A failed load is not cached: the next question tries again (the user may have fixed the file).
        backend.catch(() => {
          if (this.local?.backend === backend) this.local = null
        })
      }
      return this.local.backend
    }
  }

  private async unloadLocal(): Promise<void> {
    const current = this.local
    this.local = null
    if (current) await current.backend.then((backend) => backend.dispose()).catch(() => undefined)
  }

  private rebuildGateway(): void {
    this.gateway?.dispose()
    this.gateway = null
    const settings = this.options.settings()
    if (settings.routing.policy === 'local-only' || !settings.gateway.baseUrl) {
      this.options.emit('gateway-status', this.gatewayStatus())
      return
    }
    this.gateway = new GatewayClient({
      settings: settings.gateway,
      token: this.token,
      onStatus: (status) => this.options.emit('gateway-status', status),
    })
    if (this.probeInBackground) this.gateway.startProbing()
  }

  async dispose(): Promise<void> {
    for (const controller of this.running) controller.abort()
    this.running.clear()
    this.gateway?.dispose()
    this.gateway = null
    this.download?.controller.abort()
    await this.unloadLocal()
  }
}

function titleFrom(question: string): string {
  const oneLine = question.replace(/\s+/g, ' ').trim()
  return oneLine.length > 60 ? `${oneLine.slice(0, 57)}…` : oneLine
}

function emptyAnswer(request: AskRequest, error: ReturnType<typeof toErrorData>): AnswerEnd {
  return {
    answerId: request.answerId,
    text: '',
    citations: [],
    sources: [],
    meta: {
      backend: 'retrieval-only',
      model: null,
      strategy: 'no-passages',
      standaloneQuery: request.question,
      period: null,
      timeToFirstTokenMs: null,
      totalMs: 0,
      tokensIn: null,
      tokensOut: null,
      cost: null,
      fallbackReason: null,
      aborted: true,
    },
    error,
  }
}
