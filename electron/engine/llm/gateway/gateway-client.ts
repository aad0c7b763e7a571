import type OpenAI from 'openai'
import { BrainError, errorMessage } from '../../../../shared/errors'
import type { GatewayStatus } from '../../../../shared/gateway'
import type { Settings } from '../../../../shared/settings'
import type { Disposable } from '../../../../shared/lifecycle'
import { Backoff, type BackoffPolicy } from '../../../../shared/backoff'
import { GatewayChatBackend, type GatewayBackendHost } from './gateway-chat-backend'
import { boundedFetch } from './bounded-fetch'
import { normalizingErrorBodies } from './error-body'
import { DEFAULT_RATE_LIMIT_MS, toGatewayError } from './gateway-errors'
import { checkGatewayUrl } from './gateway-url'
import { loadOpenAiSdk } from './openai-sdk'

/** Delays of the background re-probe while the gateway is unreachable. */
export type ProbeBackoff = BackoffPolicy

export interface GatewayClientOptions {
  settings: Settings['gateway']
  token: string | null
  /** Called with every status change (the engine pushes it as `gateway-status`). */
  onStatus?: (status: GatewayStatus) => void
  backoff?: ProbeBackoff
  now?: () => number
}

const DEFAULT_BACKOFF: ProbeBackoff = { initialMs: 2_000, maxMs: 5 * 60_000 }

/** The homelab gateway: probing, status, rate-limit gate, and chat backends for its small and large models. */
export class GatewayClient implements Disposable {
  private settingsValue: Settings['gateway']
  private token: string | null
  private sdkValue: OpenAI | null = null
  private current: GatewayStatus
  private rateLimitedUntil = 0
  /** Whether the pending pause is the gateway's Retry-After or the client's own default. */
  private rateLimitFromServer = false
  private probingEnabled = false
  private probeTimer: NodeJS.Timeout | undefined
  private readonly probeBackoff: Backoff
  private inFlight: Promise<GatewayStatus> | null = null
  private readonly backends = new Map<string, GatewayChatBackend>()
  /** From the last successful probe, so a status restored by a chat request still lists them. */
  private knownModels: string[] = []
  private readonly probeController = new AbortController()
  private disposed = false
  private readonly backoff: ProbeBackoff
  private readonly now: () => number
  private readonly onStatus?: (status: GatewayStatus) => void

  constructor(options: GatewayClientOptions) {
    this.settingsValue = options.settings
    this.token = options.token
    this.onStatus = options.onStatus
    this.backoff = options.backoff ?? DEFAULT_BACKOFF
    this.probeBackoff = new Backoff(() => this.backoff)
    this.now = options.now ?? Date.now
    this.current = this.settingsValue.baseUrl ? { type: 'probing' } : { type: 'not-configured' }
  }

  /** True when a base URL is set (it may still be refused as insecure). */
  get configured(): boolean {
    return this.settingsValue.baseUrl !== null && this.settingsValue.baseUrl.trim() !== ''
  }

  status(): GatewayStatus {
    return this.current
  }

  /** Milliseconds until the gateway may be called again after a 429; 0 when it may be called now. */
  rateLimitRemainingMs(): number {
    return Math.max(0, this.rateLimitedUntil - this.now())
  }

  setToken(token: string | null): void {
    this.token = token
    this.sdkValue = null
    this.backends.clear()
  }

  updateSettings(settings: Settings['gateway']): void {
    this.settingsValue = settings
    this.sdkValue = null
    this.backends.clear()
    if (!this.configured) this.setStatus({ type: 'not-configured' })
  }

  /** GET /v1/models with the probe timeout; never throws (the outcome is the status). */
  probe(signal?: AbortSignal): Promise<GatewayStatus> {
    if (this.inFlight) return this.inFlight
    this.inFlight = this.runProbe(signal).finally(() => {
      this.inFlight = null
    })
    return this.inFlight
  }

  /** Probes now and keeps re-probing with exponential backoff while the gateway is unreachable. */
  startProbing(): void {
    if (this.disposed || this.probingEnabled) return
    this.probingEnabled = true
    void this.probe(this.probeController.signal)
  }

  stopProbing(): void {
    this.probingEnabled = false
    clearTimeout(this.probeTimer)
    this.probeTimer = undefined
  }

  /** The chat backend for one gateway model; cheap, cached per model. Throws when not configured or refused. */
  backend(size: 'small' | 'large'): GatewayChatBackend {
    this.checkedUrl()
    const model = size === 'large' ? this.settingsValue.largeModel : this.settingsValue.smallModel
    let backend = this.backends.get(model)
    if (!backend) {
      backend = new GatewayChatBackend(this.host, model, this.settingsValue.contextTokens)
      this.backends.set(model, backend)
    }
    return backend
  }

  dispose(): void {
    this.disposed = true
    this.stopProbing()
    this.probeController.abort()
    this.backends.clear()
    this.sdkValue = null
  }

  private readonly host: GatewayBackendHost = {
    sdk: () => this.sdk(),
    settings: () => this.settingsValue,
    checkRateLimit: () => this.checkRateLimit(),
    reportSuccess: () => {
      if (this.current.type !== 'reachable') {
        this.setStatus({ type: 'reachable', models: this.knownModels, checkedAt: this.isoNow(), latencyMs: 0 })
      }
    },
    reportFailure: (error) => this.applyFailure(error),
    listModels: async (signal) => {
      try {
        const page = await (await this.sdk()).models.list({ signal, timeout: this.settingsValue.probeTimeoutMs, maxRetries: 0 })
        this.knownModels = page.data.map((model) => model.id)
        return this.knownModels
      } catch {
        return null
      }
    },
  }

  /** The gateway's URL once checked; throws when none is set or it is refused (plain http without the opt-in). */
  private checkedUrl(): URL {
    if (this.disposed) throw new BrainError('engine-unavailable', 'The gateway client was disposed')
    const baseUrl = this.settingsValue.baseUrl
    if (!baseUrl || baseUrl.trim() === '') throw new BrainError('gateway-not-configured', 'No gateway URL is set')
    return checkGatewayUrl(baseUrl, this.settingsValue.allowInsecureHttp)
  }

  /** The configured SDK client, made once per settings (the SDK itself loads on first use; see openai-sdk.ts). */
  private async sdk(): Promise<OpenAI> {
    this.checkedUrl()
    if (!this.sdkValue) {
      const { default: OpenAiClient } = await loadOpenAiSdk()
      // Checked again: settings may have changed, or the client been disposed, while the SDK loaded.
      const url = this.checkedUrl()
      this.sdkValue ??= new OpenAiClient({
        baseURL: url.toString().replace(/\/$/, ''),
        // The SDK insists on a key; an unauthenticated homelab gateway simply ignores it.
        apiKey: this.token ?? 'no-token',
        maxRetries: 0,
        timeout: this.settingsValue.requestTimeoutMs,
        // Redirects refused and every body bounded, for chat and the probe alike; error bodies in the SDK's shape.
        fetch: normalizingErrorBodies(boundedFetch()),
      })
    }
    return this.sdkValue
  }

  private checkRateLimit(): void {
    const remaining = this.rateLimitRemainingMs()
    if (remaining > 0) {
      const seconds = Math.ceil(remaining / 1000)
      const message = this.rateLimitFromServer
        ? `The gateway is rate limiting; it asked to wait another ${seconds} s`
        : `The gateway was rate limiting a moment ago and did not say when to try again; notes-rag waits another ${seconds} s before asking`
      throw new BrainError('gateway-rate-limited', message, {
        retryable: true,
        details: { retryAfterMs: remaining, retryAfterFromServer: this.rateLimitFromServer },
      })
    }
  }

  private async runProbe(signal?: AbortSignal): Promise<GatewayStatus> {
    clearTimeout(this.probeTimer)
    this.probeTimer = undefined
    if (!this.configured) return this.setStatus({ type: 'not-configured' })
    let sdk: OpenAI
    try {
      sdk = await this.sdk()
    } catch (error) {
      const message = errorMessage(error)
      // A refused URL will not fix itself: no re-probe until settings change.
      return this.setStatus({ type: 'unreachable', message, checkedAt: this.isoNow(), nextProbeAt: null })
    }
    if (this.rateLimitRemainingMs() > 0) {
      this.scheduleProbe(this.rateLimitRemainingMs())
      return this.current
    }
    if (this.current.type !== 'reachable') this.setStatus({ type: 'probing' })
    const timeoutMs = this.settingsValue.probeTimeoutMs
    const started = performance.now()
    try {
      const page = await sdk.models.list({ signal, timeout: timeoutMs, maxRetries: 0 })
      const models = page.data.map((model) => model.id)
      this.knownModels = models
      this.probeBackoff.reset()
      return this.setStatus({ type: 'reachable', models, checkedAt: this.isoNow(), latencyMs: Math.round(performance.now() - started) })
    } catch (error) {
      if (this.disposed) return this.current
      this.applyFailure(toGatewayError(error, { timeoutMs, now: this.now() }))
      return this.current
    }
  }

  private applyFailure(error: BrainError): void {
    if (this.disposed) return
    const now = this.now()
    const checkedAt = new Date(now).toISOString()
    switch (error.code) {
      case 'aborted':
        return
      case 'gateway-unauthorized':
        // A wrong token does not heal with time; wait for a new one.
        this.setStatus({ type: 'unauthorized', message: error.message, checkedAt })
        return
      case 'gateway-rate-limited': {
        const fromServer = typeof error.details?.retryAfterMs === 'number' && error.details?.retryAfterFromServer !== false
        const retryAfterMs = fromServer ? Number(error.details?.retryAfterMs) : DEFAULT_RATE_LIMIT_MS
        if (now + retryAfterMs >= this.rateLimitedUntil) {
          this.rateLimitedUntil = now + retryAfterMs
          this.rateLimitFromServer = fromServer
        }
        this.setStatus({ type: 'rate-limited', retryAt: new Date(this.rateLimitedUntil).toISOString(), checkedAt, retryAtFromServer: this.rateLimitFromServer })
        if (this.probingEnabled) this.scheduleProbe(retryAfterMs)
        return
      }
      case 'gateway-model-not-found':
      case 'gateway-bad-request':
      case 'gateway-provider-error':
      case 'gateway-no-text':
        // The gateway answered: it is reachable, whatever it thought of this request.
        this.host.reportSuccess()
        return
      case 'gateway-unreachable':
      case 'gateway-timeout':
      case 'gateway-server-error': {
        const delay = this.probingEnabled ? this.probeBackoff.peek() : null
        const nextProbeAt = delay === null ? null : new Date(now + delay).toISOString()
        this.setStatus({ type: 'unreachable', message: error.message, checkedAt, nextProbeAt })
        if (delay !== null) {
          this.probeBackoff.next()
          this.scheduleProbe(delay)
        }
        return
      }
      default:
        // A broken stream or a refused payload says nothing about reachability.
        return
    }
  }

  private scheduleProbe(delayMs: number): void {
    if (this.disposed || !this.probingEnabled) return
    clearTimeout(this.probeTimer)
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined
      void this.probe(this.probeController.signal)
    }, delayMs)
    this.probeTimer.unref?.()
  }

  private setStatus(status: GatewayStatus): GatewayStatus {
    this.current = status
    this.onStatus?.(status)
    return status
  }

  private isoNow(): string {
    return new Date(this.now()).toISOString()
  }
}
