import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** Every figure the service exposes on `/metrics`, on a registry of its own (several services per process in tests). */
export class ServiceMetrics {
  readonly registry = new Registry()
  readonly httpRequests = new Counter({ name: 'notes_rag_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers: [this.registry] })
  readonly rateLimited = new Counter({ name: 'notes_rag_rate_limited_total', help: 'Requests refused with 429', labelNames: ['user', 'bucket'], registers: [this.registry] })
  readonly syncBatches = new Counter({ name: 'notes_rag_sync_batches_total', help: 'Sync batches by outcome', labelNames: ['user', 'outcome'], registers: [this.registry] })
  readonly syncOperations = new Counter({ name: 'notes_rag_sync_operations_total', help: 'Applied sync operations by kind and vectors', labelNames: ['op', 'status', 'vectors'], registers: [this.registry] })
  readonly retrievalSeconds = new Histogram({
    name: 'notes_rag_retrieval_seconds', help: 'Retrieval time of an answer (embedding the query, full-text, vector, fusion)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [this.registry],
  })
  readonly timeToFirstToken = new Histogram({
    name: 'notes_rag_chat_ttft_seconds', help: 'Time from request to the first answer token', labelNames: ['model'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30], registers: [this.registry],
  })
  readonly chatSeconds = new Histogram({
    name: 'notes_rag_chat_duration_seconds', help: 'Total time of a chat completion', labelNames: ['model', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120], registers: [this.registry],
  })
  readonly tokens = new Counter({ name: 'notes_rag_tokens_total', help: 'Tokens by direction (prompt, completion) and upstream model', labelNames: ['user', 'model', 'direction'], registers: [this.registry] })
  readonly cost = new Counter({ name: 'notes_rag_cost_total', help: 'Cost of generation at the configured prices (currency units)', labelNames: ['user', 'model'], registers: [this.registry] })
  readonly outsideNotes = new Counter({ name: 'notes_rag_outside_notes_total', help: 'Questions answered as outside what the notes cover', labelNames: ['user'], registers: [this.registry] })
  readonly driftStatistic = new Gauge({ name: 'notes_rag_drift_ks_statistic', help: 'KS statistic of recent query embeddings vs the corpus', labelNames: ['user'], registers: [this.registry] })
  readonly driftPValue = new Gauge({ name: 'notes_rag_drift_p_value', help: 'KS p-value of recent query embeddings vs the corpus', labelNames: ['user'], registers: [this.registry] })
  readonly driftAlert = new Gauge({ name: 'notes_rag_drift_alert', help: '1 when recent queries drifted from what the notes cover', labelNames: ['user'], registers: [this.registry] })

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'notes_rag_' })
  }
}
