import { randomBytes } from 'node:crypto'
import type { Database } from './database'
import { BrainError } from '../../shared/errors'

/**
 * The schema, one entry per version, applied in order inside a transaction each. ISO dates are stored as text:
 * they compare correctly as strings and stay exactly what the client sent.
 */
const MIGRATIONS: string[] = [
  `
  CREATE EXTENSION IF NOT EXISTS vector;
  CREATE TABLE users (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    revision BIGINT NOT NULL DEFAULT 1,
    index_model TEXT,
    index_model_id TEXT,
    index_dimensions INTEGER,
    index_fingerprint REAL[]
  );
  CREATE TABLE notes (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    content TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    period_source TEXT NOT NULL,
    period_inferred BOOLEAN NOT NULL,
    label TEXT NOT NULL,
    chunks_sha256 TEXT NOT NULL,
    chunk_count INTEGER NOT NULL,
    embedding_key TEXT,
    PRIMARY KEY (user_id, path)
  );
  CREATE TABLE chunks (
    user_id INTEGER NOT NULL,
    path TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    id TEXT NOT NULL,
    heading_path JSONB NOT NULL,
    start_line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    text TEXT NOT NULL,
    embed_text TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    embedding vector,
    tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', embed_text)) STORED,
    PRIMARY KEY (user_id, path, ordinal),
    FOREIGN KEY (user_id, path) REFERENCES notes(user_id, path) ON DELETE CASCADE ON UPDATE CASCADE
  );
  CREATE INDEX chunks_tsv ON chunks USING gin (tsv);
  CREATE INDEX chunks_period ON chunks (user_id, period_start);
  CREATE TABLE batches (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    batch_id TEXT NOT NULL,
    body_sha256 TEXT NOT NULL,
    response JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, batch_id)
  );
  CREATE TABLE requests (
    id BIGSERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    at TIMESTAMPTZ NOT NULL DEFAULT now(),
    model TEXT NOT NULL,
    outcome TEXT NOT NULL,
    tokens_in INTEGER,
    tokens_out INTEGER,
    cost DOUBLE PRECISION,
    ttft_ms DOUBLE PRECISION,
    total_ms DOUBLE PRECISION NOT NULL
  );
  CREATE INDEX requests_user_at ON requests (user_id, at);
  CREATE TABLE query_log (
    id BIGSERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    at TIMESTAMPTZ NOT NULL DEFAULT now(),
    centroid_cosine REAL NOT NULL
  );
  CREATE INDEX query_log_user ON query_log (user_id, id);
  CREATE TABLE rate_windows (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    bucket TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (user_id, bucket, window_start)
  );
  CREATE TABLE service_meta (epoch TEXT NOT NULL);
  `,
]

export const SCHEMA_VERSION = MIGRATIONS.length

/**
 * Brings the database to the current schema; several instances starting at once are serialised by a lock. Returns
 * the database's epoch: a random id made once, part of every revision, so a restored or recreated database never
 * repeats a revision a client has cached.
 */
export async function migrate(database: Database): Promise<string> {
  return database.transaction(async (tx) => {
    // One instance migrates, the others wait here, then see the new version.
    await tx.query('SELECT pg_advisory_xact_lock(7312001)')
    await tx.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)')
    const { rows } = await tx.query<{ version: number }>('SELECT version FROM schema_version')
    const current = rows[0]?.version ?? 0
    if (current > SCHEMA_VERSION) {
      throw new BrainError('internal', `The database schema is version ${current}, newer than this service (${SCHEMA_VERSION}); upgrade the service.`, {
        details: { schemaVersion: current, knownVersion: SCHEMA_VERSION },
      })
    }
    for (let version = current; version < SCHEMA_VERSION; version += 1) {
      for (const statement of splitStatements(MIGRATIONS[version])) await tx.query(statement)
    }
    if (rows.length === 0) await tx.query('INSERT INTO schema_version (version) VALUES ($1)', [SCHEMA_VERSION])
    else await tx.query('UPDATE schema_version SET version = $1', [SCHEMA_VERSION])
    const epoch = await tx.query<{ epoch: string }>('SELECT epoch FROM service_meta')
    if (epoch.rows.length > 0) return epoch.rows[0].epoch
    const made = randomBytes(6).toString('hex')
    await tx.query('INSERT INTO service_meta (epoch) VALUES ($1)', [made])
    return made
  })
}

function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*\n/)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0)
}
