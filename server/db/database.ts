/** The SQL the service needs from Postgres, whether embedded (PGlite) or a real server reached through `pg`. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'pg'
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>
  /** Several statements at once (migrations). */
  exec(sql: string): Promise<void>
  close(): Promise<void>
}
