import { PGlite } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite/vector'
import type { Database, Queryable } from './database'

/**
 * The embedded default: Postgres compiled to WebAssembly, with pgvector, in `dataDir` (or in memory when null).
 * PGlite has one connection, so transactions are serialised by PGlite itself.
 */
export async function openPgliteDatabase(dataDir: string | null): Promise<Database & { pglite: PGlite }> {
  const pglite = await PGlite.create({ dataDir: dataDir ?? undefined, extensions: { vector } })
  const query = async <T>(sql: string, params: unknown[] = []) => {
    const result = await pglite.query<T>(sql, params)
    return { rows: result.rows }
  }
  return {
    kind: 'pglite',
    pglite,
    query,
    transaction: (work) =>
      pglite.transaction(async (tx) => {
        const scoped: Queryable = {
          query: async <T>(sql: string, params: unknown[] = []) => ({ rows: (await tx.query<T>(sql, params)).rows }),
        }
        return work(scoped)
      }),
    exec: async (sql) => {
      await pglite.exec(sql)
    },
    close: () => pglite.close(),
  }
}
