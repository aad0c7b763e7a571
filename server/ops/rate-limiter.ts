import type { Queryable } from '../db/database'
import { ServiceError } from '../http/service-error'

/** Which budget a request draws on: answering is expensive, a sync pass sends many small batches. */
export type RateBucket = 'chat' | 'sync'

/**
 * Fixed one-minute windows counted in the database, so every instance behind a load balancer shares one budget per
 * user. Over the limit: 429 `rate-limited` with `Retry-After` (seconds to the next window).
 */
export class RateLimiter {
  constructor(
    private readonly db: Queryable,
    private readonly limits: Record<RateBucket, number>,
    private readonly now: () => number = Date.now,
    private readonly windowMs = 60_000,
  ) {}

  async take(userId: number, bucket: RateBucket): Promise<void> {
    const limit = this.limits[bucket]
    if (limit <= 0) return
    const now = this.now()
    const windowStart = Math.floor(now / this.windowMs) * this.windowMs
    const { rows } = await this.db.query<{ count: number }>(
      `INSERT INTO rate_windows (user_id, bucket, window_start, count) VALUES ($1, $2, $3, 1)
       ON CONFLICT (user_id, bucket, window_start) DO UPDATE SET count = rate_windows.count + 1 RETURNING count`,
      [userId, bucket, windowStart],
    )
    if (Math.random() < 0.01) void this.db.query('DELETE FROM rate_windows WHERE window_start < $1', [windowStart - this.windowMs]).catch(() => undefined)
    if (rows[0].count > limit) {
      const retryAfter = Math.max(1, Math.ceil((windowStart + this.windowMs - now) / 1000))
      throw new ServiceError(429, 'rate-limited', `More than ${limit} ${bucket} requests in a minute; try again in ${retryAfter} s.`, { 'retry-after': String(retryAfter) })
    }
  }
}
