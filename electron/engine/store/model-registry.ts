import { BrainError } from '../../../shared/errors'
import type { MetaDatabase } from './open-meta-database'
import type { EmbeddingModelRecord } from './types'

interface ModelRow {
  table_name: string
  model_id: string
  dimensions: number
  fingerprint: string
  state: EmbeddingModelRecord['state']
  created_at: string
  active: number
}

/** The embedding models an index was built with (`embedding_models`), one of them active. */
export class ModelRegistry {
  constructor(private readonly db: MetaDatabase) {}

  getActive(): EmbeddingModelRecord | null {
    const row = this.db.statement('SELECT * FROM embedding_models WHERE active = 1').get() as ModelRow | undefined
    return row ? toModelRecord(row) : null
  }

  get(table: string): EmbeddingModelRecord | null {
    const row = this.db.statement('SELECT * FROM embedding_models WHERE table_name = ?').get(table) as ModelRow | undefined
    return row ? toModelRecord(row) : null
  }

  /** Inserts or updates a model record; does not change which model is active. */
  upsert(record: EmbeddingModelRecord): void {
    this.db
      .statement(
        `INSERT INTO embedding_models (table_name, model_id, dimensions, fingerprint, state, created_at, active)
         VALUES (@table, @modelId, @dimensions, @fingerprint, @state, @createdAt, 0)
         ON CONFLICT (table_name) DO UPDATE SET model_id = excluded.model_id, dimensions = excluded.dimensions,
           fingerprint = excluded.fingerprint, state = excluded.state, created_at = excluded.created_at`,
      )
      .run({
        table: record.table,
        modelId: record.modelId,
        dimensions: record.dimensions,
        fingerprint: JSON.stringify(record.fingerprint),
        state: record.state,
        createdAt: record.createdAt,
      })
  }

  /** Makes `table` the one active model; throws `not-found` for an unknown table. */
  setActive(table: string): void {
    this.db.transaction(() => {
      if (!this.get(table)) throw new BrainError('not-found', `No embedding model record for table ${table}.`)
      this.db.statement('UPDATE embedding_models SET active = (table_name = ?)').run(table)
    })
  }

  delete(table: string): boolean {
    return this.db.statement('DELETE FROM embedding_models WHERE table_name = ?').run(table).changes > 0
  }

  list(): EmbeddingModelRecord[] {
    return (this.db.statement('SELECT * FROM embedding_models ORDER BY created_at, table_name').all() as ModelRow[]).map(toModelRecord)
  }
}

function toModelRecord(row: ModelRow): EmbeddingModelRecord {
  return {
    table: row.table_name,
    modelId: row.model_id,
    dimensions: row.dimensions,
    fingerprint: JSON.parse(row.fingerprint) as number[],
    state: row.state,
    createdAt: row.created_at,
  }
}
