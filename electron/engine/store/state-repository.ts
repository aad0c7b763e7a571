import type { MetaDatabase } from './open-meta-database'

/** Small JSON values by key (`state`): cursors, guards, the last sync result. */
export class StateRepository {
  constructor(private readonly db: MetaDatabase) {}

  get<T>(key: string): T | null {
    const value = this.db.statement('SELECT value FROM state WHERE key = ?').pluck().get(key) as string | undefined
    return value === undefined ? null : (JSON.parse(value) as T)
  }

  set(key: string, value: unknown): void {
    this.db
      .statement('INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
      .run(key, JSON.stringify(value ?? null))
  }

  delete(key: string): void {
    this.db.statement('DELETE FROM state WHERE key = ?').run(key)
  }
}
