/** Reachability of the homelab gateway, probed with GET /v1/models. */
export type GatewayStatus =
  | { type: 'not-configured' }
  | { type: 'disabled'; reason: 'local-only' }
  | { type: 'probing' }
  | { type: 'reachable'; models: string[]; checkedAt: string; latencyMs: number }
  | { type: 'unreachable'; message: string; checkedAt: string; nextProbeAt: string | null }
  | { type: 'unauthorized'; message: string; checkedAt: string }
  /** `retryAtFromServer` false: the gateway gave no Retry-After and `retryAt` is notes-rag's own short pause. */
  | { type: 'rate-limited'; retryAt: string; checkedAt: string; retryAtFromServer?: boolean }
