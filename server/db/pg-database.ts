import pg from 'pg'
import type { Database, Queryable } from './database'

/** A real Postgres (with pgvector) through a `pg` pool; several service instances can share it. */
export async function openPgDatabase(connectionString: string, options: { maxConnections?: number } = {}): Promise<Database> {
  const pool = new pg.Pool({ connectionString, max: options.maxConnections ?? 10 })
  // A pool error on an idle client (the server restarted) must not crash the process; the next query reconnects.
  pool.on('error', (error) => console.warn('[server] idle Postgres connection failed:', error.message))
  const client = await pool.connect()
  client.release()
  return {
    kind: 'pg',
    query: async <T>(sql: string, params: unknown[] = []) => ({ rows: (await pool.query(sql, params)).rows as T[] }),
    transaction: async (work) => {
      const connection = await pool.connect()
      try {
        await connection.query('BEGIN')
        const scoped: Queryable = { query: async <T>(sql: string, params: unknown[] = []) => ({ rows: (await connection.query(sql, params)).rows as T[] }) }
        const result = await work(scoped)
        await connection.query('COMMIT')
        return result
      } catch (error) {
        await connection.query('ROLLBACK').catch(() => undefined)
        throw error
      } finally {
        connection.release()
      }
    },
    exec: async (sql) => {
      await pool.query(sql)
    },
    close: () => pool.end(),
  }
}
