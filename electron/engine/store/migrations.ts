import type BetterSqlite3 from 'better-sqlite3'
import { BrainError } from '../../../shared/errors'

/** One schema step. `version` is what `PRAGMA user_version` reads after it ran. */
export interface Migration {
  version: number
  description: string
  up(db: BetterSqlite3.Database): void
}

/**
 * Ordered, append-only: never edit a released step, add a new one. Each runs once, inside the transaction that
 * also bumps `user_version`, so a crash mid-migration leaves the previous schema intact.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'manifest, chunks with FTS5, state, embedding models, conversations',
    up(db) {
      db.exec(`
        CREATE TABLE files (
          path TEXT PRIMARY KEY,
          size INTEGER NOT NULL,
          mtime_ms REAL NOT NULL,
          sha256 TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('indexed', 'pending', 'failed')),
          error_code TEXT,
          error_message TEXT,
          period_start TEXT,
          period_end TEXT,
          period_source TEXT,
          period_inferred INTEGER,
          label TEXT,
          chunk_count INTEGER NOT NULL DEFAULT 0,
          indexed_at TEXT
        );
        CREATE INDEX files_sha256 ON files (sha256);
        CREATE INDEX files_status ON files (status);

        -- An explicit integer key: FTS5 external content refers to rows by rowid, and an implicit rowid may be
        -- renumbered by VACUUM, which would silently detach the keyword index from its chunks.
        CREATE TABLE chunks (
          seq INTEGER PRIMARY KEY,
          id TEXT NOT NULL UNIQUE,
          path TEXT NOT NULL REFERENCES files (path) ON DELETE CASCADE,
          ordinal INTEGER NOT NULL,
          heading_path TEXT NOT NULL,
          start_line INTEGER NOT NULL,
          end_line INTEGER NOT NULL,
          text TEXT NOT NULL,
          embed_text TEXT NOT NULL,
          content_hash TEXT NOT NULL,
          period_start TEXT NOT NULL,
          period_end TEXT NOT NULL,
          embedded INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX chunks_path ON chunks (path, ordinal);
        CREATE INDEX chunks_content_hash ON chunks (content_hash);
        CREATE INDEX chunks_period ON chunks (period_start, period_end);
        -- Partial: the indexer only ever asks for the (few) chunks still waiting for a vector.
        CREATE INDEX chunks_unembedded ON chunks (seq) WHERE embedded = 0;

        CREATE VIRTUAL TABLE chunks_fts USING fts5 (
          heading_path,
          embed_text,
          content = 'chunks',
          content_rowid = 'seq',
          tokenize = 'porter unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN
          INSERT INTO chunks_fts (rowid, heading_path, embed_text) VALUES (new.seq, new.heading_path, new.embed_text);
        END;
        CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
          INSERT INTO chunks_fts (chunks_fts, rowid, heading_path, embed_text)
            VALUES ('delete', old.seq, old.heading_path, old.embed_text);
        END;
        CREATE TRIGGER chunks_fts_update AFTER UPDATE OF heading_path, embed_text ON chunks BEGIN
          INSERT INTO chunks_fts (chunks_fts, rowid, heading_path, embed_text)
            VALUES ('delete', old.seq, old.heading_path, old.embed_text);
          INSERT INTO chunks_fts (rowid, heading_path, embed_text) VALUES (new.seq, new.heading_path, new.embed_text);
        END;

        CREATE TABLE state (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL
        );

        CREATE TABLE embedding_models (
          table_name TEXT PRIMARY KEY,
          model_id TEXT NOT NULL,
          dimensions INTEGER NOT NULL,
          fingerprint TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('building', 'complete')),
          created_at TEXT NOT NULL,
          active INTEGER NOT NULL DEFAULT 0
        );

        CREATE TABLE conversations (
          id TEXT PRIMARY KEY,
          title TEXT NOT NULL,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE INDEX conversations_updated ON conversations (updated_at);
        CREATE TABLE messages (
          seq INTEGER PRIMARY KEY,
          id TEXT NOT NULL UNIQUE,
          conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
          role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
          content TEXT NOT NULL,
          answer TEXT,
          created_at TEXT NOT NULL
        );
        CREATE INDEX messages_conversation ON messages (conversation_id, seq);
      `)
    },
  },
  {
    version: 2,
    description: 'sync: outbox of planned batches and the last known server manifest',
    up(db) {
      db.exec(`
        -- A batch is written here before it is sent and removed when the server acknowledged it, so a retry after a
        -- crash resends the same id and the same bytes (the server replays its stored result).
        CREATE TABLE sync_outbox (
          seq INTEGER PRIMARY KEY,
          batch_id TEXT NOT NULL UNIQUE,
          base_url TEXT NOT NULL,
          body TEXT NOT NULL,
          summary TEXT NOT NULL,
          created_at TEXT NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE sync_remote_files (
          path TEXT PRIMARY KEY,
          sha256 TEXT NOT NULL,
          chunk_count INTEGER NOT NULL,
          chunks_sha256 TEXT NOT NULL,
          embedding_key TEXT
        );
      `)
    },
  },
  {
    version: 3,
    description: 'chunks: per-section period provenance, note title, and front-matter fields in the keyword index',
    up(db) {
      db.exec(`
        -- A section's period can differ from its file's (a dated heading in a monthly file), and so can where it
        -- came from. Existing chunks take their file's until the next pass re-chunks them (the chunker version
        -- changed with this schema, so it does).
        ALTER TABLE chunks ADD COLUMN period_source TEXT NOT NULL DEFAULT 'mtime';
        ALTER TABLE chunks ADD COLUMN period_inferred INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE chunks ADD COLUMN title TEXT;
        -- Front-matter title, description and tags, repeated on every chunk of the note so FTS5 can weight them.
        ALTER TABLE chunks ADD COLUMN fields TEXT NOT NULL DEFAULT '';
        UPDATE chunks SET
          period_source = COALESCE((SELECT f.period_source FROM files f WHERE f.path = chunks.path), 'mtime'),
          period_inferred = COALESCE((SELECT f.period_inferred FROM files f WHERE f.path = chunks.path), 0);

        DROP TRIGGER chunks_fts_insert;
        DROP TRIGGER chunks_fts_delete;
        DROP TRIGGER chunks_fts_update;
        DROP TABLE chunks_fts;
        CREATE VIRTUAL TABLE chunks_fts USING fts5 (
          heading_path,
          embed_text,
          fields,
          content = 'chunks',
          content_rowid = 'seq',
          tokenize = 'porter unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN
          INSERT INTO chunks_fts (rowid, heading_path, embed_text, fields)
            VALUES (new.seq, new.heading_path, new.embed_text, new.fields);
        END;
        CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
          INSERT INTO chunks_fts (chunks_fts, rowid, heading_path, embed_text, fields)
            VALUES ('delete', old.seq, old.heading_path, old.embed_text, old.fields);
        END;
        CREATE TRIGGER chunks_fts_update AFTER UPDATE OF heading_path, embed_text, fields ON chunks BEGIN
          INSERT INTO chunks_fts (chunks_fts, rowid, heading_path, embed_text, fields)
            VALUES ('delete', old.seq, old.heading_path, old.embed_text, old.fields);
          INSERT INTO chunks_fts (rowid, heading_path, embed_text, fields)
            VALUES (new.seq, new.heading_path, new.embed_text, new.fields);
        END;
        INSERT INTO chunks_fts (chunks_fts) VALUES ('rebuild');
      `)
    },
  },
]

/** The schema version the code expects: the last migration's. */
export function latestVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.length === 0 ? 0 : migrations[migrations.length - 1].version
}

/** Brings the database to the latest version; returns the version it was at before. */
export function migrate(db: BetterSqlite3.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  for (let index = 1; index < migrations.length; index += 1) {
    if (migrations[index].version <= migrations[index - 1].version) {
      throw new BrainError('internal', `Migrations are out of order at version ${migrations[index].version}.`)
    }
  }
  const current = db.pragma('user_version', { simple: true }) as number
  const latest = latestVersion(migrations)
  if (current > latest) {
    // Opening a newer schema with older code could corrupt it; better to refuse and say why.
    throw new BrainError(
      'internal',
      `The index was written by a newer version of the app (schema ${current}, this version knows ${latest}). ` +
        'Update the app, or delete the index folder to rebuild it.',
      { details: { schemaVersion: current, knownVersion: latest } },
    )
  }
  const pending = migrations.filter((migration) => migration.version > current)
  if (pending.length === 0) return current
  db.transaction(() => {
    for (const migration of pending) {
      migration.up(db)
      db.pragma(`user_version = ${Math.trunc(migration.version)}`)
    }
  }).immediate()
  return current
}
