import type { ServiceUser } from '../auth/user-store'
import type { Queryable } from '../db/database'
import { ServiceError } from '../http/service-error'

/** GET /v1/usage: what one user's chat requests cost over the last `days` days, from the database (all instances). */
export async function usageReport(db: Queryable, user: ServiceUser, daysParam: string | null) {
  const days = daysParam === null ? 30 : Number(daysParam)
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw new ServiceError(400, 'invalid-request', '"days" must be a whole number from 1 to 3650.')
  const { rows } = await db.query<Record<string, string | number | null>>(
    `SELECT model, count(*) AS requests, coalesce(sum(tokens_in), 0) AS tokens_in, coalesce(sum(tokens_out), 0) AS tokens_out,
            coalesce(sum(cost), 0) AS cost,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY total_ms) AS total_p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY total_ms) AS total_p95,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY ttft_ms) AS ttft_p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY ttft_ms) AS ttft_p95
     FROM requests WHERE user_id = $1 AND at >= now() - ($2::int * interval '1 day') GROUP BY model ORDER BY model`,
    [user.id, days],
  )
  const models = rows.map((row) => ({
    model: String(row.model),
    requests: Number(row.requests),
    tokensIn: Number(row.tokens_in),
    tokensOut: Number(row.tokens_out),
    cost: Number(row.cost),
    latencyMs: {
      totalP50: row.total_p50 === null ? null : Number(row.total_p50),
      totalP95: row.total_p95 === null ? null : Number(row.total_p95),
      timeToFirstTokenP50: row.ttft_p50 === null ? null : Number(row.ttft_p50),
      timeToFirstTokenP95: row.ttft_p95 === null ? null : Number(row.ttft_p95),
    },
  }))
  const sum = (pick: (model: (typeof models)[number]) => number) => models.reduce((total, model) => total + pick(model), 0)
  return {
    user: user.name,
    days,
    totals: { requests: sum((m) => m.requests), tokensIn: sum((m) => m.tokensIn), tokensOut: sum((m) => m.tokensOut), cost: sum((m) => m.cost) },
    models,
  }
}
