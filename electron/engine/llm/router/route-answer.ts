import type { AnswerBackend, BackendChoice } from '../../../../shared/answer'
import { BrainError, errorMessage } from '../../../../shared/errors'
import type { GatewayStatus } from '../../../../shared/gateway'
import type { Settings } from '../../../../shared/settings'
import type { ChatBackend } from '../types'

/** The part of GatewayClient the router uses (so tests and the engine can pass the real one). */
export interface GatewayAccess {
  readonly configured: boolean
  status(): GatewayStatus
  probe(signal?: AbortSignal): Promise<GatewayStatus>
  backend(size: 'small' | 'large'): ChatBackend
  rateLimitRemainingMs(): number
}

export interface RouterDeps {
  settings: Settings
  /** Loads (or returns the loaded) local model; throws `model-missing` / `model-load-failed`. Null: no local model. */
  loadLocal: ((signal?: AbortSignal) => Promise<ChatBackend>) | null
  /** Null when there is no gateway client at all. */
  gateway: GatewayAccess | null
}

/** What the answer needs from a backend, measured before it is chosen. */
export interface RouteNeeds {
  /** Tokens the whole prompt (every passage, plus the reserved answer) would take, estimated at ~4 characters each. */
  promptTokens: number
  /** The whole prompt's text and the tokens it reserves, so the local model can measure with its own tokenizer. */
  promptText?: string
  fixedTokens?: number
  /** Of those, the tokens reserved for the answer: generated, not read, so not part of the prompt's reading time. */
  answerTokens?: number
  /** The answer will summarise groups of weeks first; long work goes to the large model. */
  mapReduce?: boolean
}

/** A chosen backend, or none (`retrieval-only`), with why the preferred one was not used. */
export interface Route {
  kind: AnswerBackend
  backend: ChatBackend | null
  /** Human-readable reasons, in the order the router met them; null when the first choice was used. */
  fallbackReason: string | null
}

type BackendKind = 'local' | 'gateway'

/** The order in which backends are tried for one question. */
export function backendOrder(policy: Settings['routing']['policy'], choice: BackendChoice = 'auto'): BackendKind[] {
  // local-only is a privacy promise: not even a per-question choice may reach the network.
  if (policy === 'local-only') return ['local']
  if (choice === 'local') return ['local']
  if (choice === 'gateway') return ['gateway']
  return policy === 'prefer-gateway' ? ['gateway', 'local'] : ['local', 'gateway']
}

/** Chooses the backend for one answer and remembers what failed, so the pipeline can fall back mid-answer. */
export class AnswerRouter {
  private readonly reasons: string[] = []
  private readonly failed = new Set<BackendKind>()
  private lastFailure: BrainError | null = null
  private readonly order: BackendKind[]

  constructor(
    private readonly deps: RouterDeps,
    choice: BackendChoice = 'auto',
  ) {
    this.order = backendOrder(deps.settings.routing.policy, choice)
    if (deps.settings.routing.policy === 'local-only' && choice === 'gateway') {
      this.reasons.push('the gateway was asked for, but the routing policy is local-only')
    }
  }

  /** Why earlier choices were skipped or failed, joined; null when none were. */
  fallbackReason(): string | null {
    return this.reasons.length > 0 ? this.reasons.join('; ') : null
  }

  /**
   * The last failure met while routing or answering, as a typed error: a failed backend's own error, or the
   * gateway's status when it was skipped (unreachable, token refused, rate limited, not configured).
   */
  lastError(): BrainError | null {
    return this.lastFailure
  }

  /** Records that a backend failed while answering; `select` will not offer it again. */
  markFailed(backend: ChatBackend, error: unknown): void {
    this.failed.add(backend.kind)
    this.lastFailure = BrainError.is(error) ? error : new BrainError('internal', errorMessage(error), { cause: error })
    this.reasons.push(`${backend.kind === 'local' ? 'the local model' : 'the gateway'} failed: ${describe(error)}`)
  }

  async select(needs: RouteNeeds, signal?: AbortSignal): Promise<Route> {
    // The local model, passed over because the prompt does not fit it or takes too long to read, with why.
    let passedLocal: { backend: ChatBackend; reason: string } | null = null
    for (let position = 0; position < this.order.length; position += 1) {
      const kind = this.order[position]
      if (this.failed.has(kind)) continue
      if (kind === 'local') {
        const local = await this.tryLocal(signal)
        if (!local) continue
        const gatewayLater = this.order.slice(position + 1).includes('gateway') && !this.failed.has('gateway')
        const reason = gatewayLater ? await this.reasonToPassOver(local, needs) : null
        if (reason) {
          // Better answered by the gateway, but only if it can take it; otherwise the local model still answers.
          passedLocal = { backend: local, reason }
          continue
        }
        return this.route('local', local)
      }
      const gateway = await this.tryGateway(needs, signal)
      if (gateway) {
        if (passedLocal) this.reasons.push(passedLocal.reason)
        return this.route('gateway', gateway)
      }
    }
    if (passedLocal) return this.route('local', passedLocal.backend)
    return { kind: 'retrieval-only', backend: null, fallbackReason: this.fallbackReason() ?? 'no model is available' }
  }

  /**
   * Why a reachable gateway should answer instead of the local model: the prompt does not fit the local context, or
   * it is longer than `routing.localMaxPromptTokens` (reading 4k tokens takes minutes on a 2-core CPU). Null: local.
   */
  private async reasonToPassOver(local: ChatBackend, needs: RouteNeeds): Promise<string | null> {
    const needed = await measureFor(local, needs)
    if (needed > local.contextTokens) return `the prompt needs ~${needed} tokens, the local model has ${local.contextTokens}`
    const limit = this.deps.settings.routing.localMaxPromptTokens
    const toRead = needed - (needs.answerTokens ?? 0)
    if (limit > 0 && toRead > limit) {
      return `the prompt is ~${toRead} tokens, more than the local model reads quickly (routing.localMaxPromptTokens ${limit})`
    }
    return null
  }

  private route(kind: BackendKind, backend: ChatBackend): Route {
    return { kind, backend, fallbackReason: this.fallbackReason() }
  }

  private async tryLocal(signal?: AbortSignal): Promise<ChatBackend | null> {
    if (!this.deps.loadLocal) {
      this.reasons.push('no local model is set up')
      return null
    }
    try {
      return await this.deps.loadLocal(signal)
    } catch (error) {
      if (signal?.aborted) throw error
      this.failed.add('local')
      this.reasons.push(`the local model is unavailable: ${describe(error)}`)
      this.lastFailure ??= BrainError.is(error) ? error : new BrainError('model-load-failed', describe(error), { cause: error })
      return null
    }
  }

  private async tryGateway(needs: RouteNeeds, signal?: AbortSignal): Promise<ChatBackend | null> {
    const gateway = this.deps.gateway
    if (!gateway || !gateway.configured) {
      this.reasons.push('the gateway is not configured')
      this.lastFailure = new BrainError('gateway-not-configured', 'No gateway URL is set')
      return null
    }
    const waitMs = gateway.rateLimitRemainingMs()
    if (waitMs > 0) {
      const current = gateway.status()
      const fromServer = current.type !== 'rate-limited' || current.retryAtFromServer !== false
      const seconds = Math.ceil(waitMs / 1000)
      const reason = fromServer
        ? `the gateway is rate limiting for another ${seconds} s`
        : `the gateway is rate limiting (it did not say when to try again; notes-rag waits another ${seconds} s)`
      this.reasons.push(reason)
      this.lastFailure = new BrainError('gateway-rate-limited', `The ${reason.slice(4)}`, { retryable: true, details: { retryAfterMs: waitMs, retryAfterFromServer: fromServer } })
      return null
    }
    let status = gateway.status()
    if (needsProbe(status, Date.now())) status = await gateway.probe(signal)
    if (status.type !== 'reachable') {
      this.failed.add('gateway')
      this.reasons.push(`the gateway is ${describeStatus(status)}`)
      this.lastFailure = statusError(status)
      return null
    }
    const large = needs.mapReduce === true || needs.promptTokens > this.deps.settings.gateway.largeModelThresholdTokens
    try {
      return gateway.backend(large ? 'large' : 'small')
    } catch (error) {
      this.failed.add('gateway')
      this.reasons.push(`the gateway is unusable: ${describe(error)}`)
      this.lastFailure = BrainError.is(error) ? error : new BrainError('gateway-unreachable', describe(error), { cause: error })
      return null
    }
  }
}

/** A fresh failure is trusted (the background probe retries it); probing on every question would stall each one. */
export const STATUS_TRUST_MS = 30_000

function needsProbe(status: GatewayStatus, now: number): boolean {
  switch (status.type) {
    case 'reachable':
      return false
    case 'unreachable':
    case 'unauthorized':
      return now - Date.parse(status.checkedAt) > STATUS_TRUST_MS
    default:
      return true
  }
}

async function measureFor(backend: ChatBackend, needs: RouteNeeds): Promise<number> {
  if (needs.promptText === undefined) return needs.promptTokens
  return (await backend.countTokens(needs.promptText)) + (needs.fixedTokens ?? 0)
}

function describe(error: unknown): string {
  if (BrainError.is(error)) return `${error.message} (${error.code})`
  return errorMessage(error)
}

/** The typed error a gateway status that is not `reachable` amounts to. */
function statusError(status: GatewayStatus): BrainError {
  switch (status.type) {
    case 'unreachable':
      return new BrainError('gateway-unreachable', `The gateway is unreachable: ${status.message}`, { retryable: true })
    case 'unauthorized':
      return new BrainError('gateway-unauthorized', status.message)
    case 'rate-limited':
      return new BrainError('gateway-rate-limited', `The gateway is rate limiting until ${status.retryAt}`, { retryable: true })
    case 'not-configured':
      return new BrainError('gateway-not-configured', 'No gateway URL is set')
    default:
      return new BrainError('gateway-unreachable', `The gateway is ${status.type}`, { retryable: true })
  }
}

function describeStatus(status: GatewayStatus): string {
  switch (status.type) {
    case 'unreachable':
      return `unreachable (${status.message})`
    case 'unauthorized':
      return 'refusing the token'
    case 'rate-limited':
      return `rate limiting until ${status.retryAt}`
    default:
      return status.type
  }
}
