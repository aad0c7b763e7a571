import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import type BetterSqlite3 from 'better-sqlite3'
import { BrainError, errorMessage } from '../../../shared/errors'
import { migrate } from './migrations'

/**
 * The one better-sqlite3 handle of index.sqlite, shared by every repository: a prepared-statement cache, one
 * transaction entry point, the store's increasing timestamps, and closing. Repositories hold this, never the raw handle.
 */
export class MetaDatabase {
  private readonly statements = new Map<string, BetterSqlite3.Statement>()
  private disposed = false
  private lastStamp = ''

  constructor(private readonly db: BetterSqlite3.Database) {}

  /** A cached prepared statement; throws `engine-unavailable` once the database is closed. */
  statement(sql: string): BetterSqlite3.Statement {
    this.assertOpen()
    let statement = this.statements.get(sql)
    if (!statement) {
      statement = this.db.prepare(sql)
      this.statements.set(sql, statement)
    }
    return statement
  }

  /**
   * Runs `fn` in one transaction (nested calls become savepoints). BEGIN IMMEDIATE takes the write lock up front,
   * so a second connection waits out busy_timeout at the start instead of failing with SQLITE_BUSY half way,
   * when a deferred transaction tries to upgrade its read lock (which SQLite cannot wait for).
   */
  transaction<T>(fn: () => T): T {
    this.assertOpen()
    return this.db.transaction(fn).immediate()
  }

  /** ISO timestamps, strictly increasing within this database so "newest first" never ties. */
  stamp(): string {
    let stamp = new Date().toISOString()
    if (stamp <= this.lastStamp) stamp = new Date(Date.parse(this.lastStamp) + 1).toISOString()
    this.lastStamp = stamp
    return stamp
  }

  get isOpen(): boolean {
    return !this.disposed
  }

  assertOpen(): void {
    if (this.disposed) throw new BrainError('engine-unavailable', 'The index database is closed.')
  }

  /** Closes the handle; safe to call more than once. */
  close(): void {
    if (this.disposed) return
    this.disposed = true
    this.statements.clear()
    try {
      // Keeps the query planner's statistics fresh at almost no cost, as SQLite recommends before closing.
      this.db.pragma('optimize')
    } catch {
      // Closing matters more than statistics.
    }
    this.db.close()
  }
}

/** Opens (creating when needed) and migrates the database at `dbPath`; failures are typed BrainErrors. */
export function openMetaDatabase(dbPath: string): MetaDatabase {
  const folder = dirname(dbPath)
  try {
    mkdirSync(folder, { recursive: true })
  } catch (error) {
    throw unwritable(dbPath, `Cannot create the data folder ${folder}`, error)
  }
  let db: BetterSqlite3.Database
  try {
    // Inside Electron (the app's utilityProcess) the driver must be the build for Electron's ABI, which is kept
    // apart from node_modules' Node build so `npm test` keeps working; main passes its path in the environment.
    const nativeBinding = process.env.NOTES_RAG_SQLITE_BINDING
    db = nativeBinding ? new Database(dbPath, { nativeBinding }) : new Database(dbPath)
  } catch (error) {
    throw unwritable(dbPath, `Cannot open the index database ${dbPath}`, error)
  }
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    // 16 MB of page cache (the default is 2 MB): FTS5 merges touch many pages while a folder is first indexed.
    db.pragma('cache_size = -16000')
    migrate(db)
  } catch (error) {
    db.close()
    if (BrainError.is(error)) throw error
    const code = (error as { code?: string }).code ?? ''
    if (/^SQLITE_(READONLY|CANTOPEN|IOERR|PERM|FULL)/.test(code)) {
      throw unwritable(dbPath, `Cannot write the index database ${dbPath}`, error)
    }
    if (/^SQLITE_(NOTADB|CORRUPT)/.test(code)) {
      throw new BrainError('internal', `The index database ${dbPath} is damaged; delete it to rebuild the index.`, {
        cause: error,
        details: { path: dbPath, reason: 'corrupt' },
      })
    }
    throw new BrainError('internal', `Cannot prepare the index database: ${errorMessage(error)}`, { cause: error })
  }
  return new MetaDatabase(db)
}

/** SQLite keeps `IN (...)` lists under its variable limit; 500 is well below it and still few round trips. */
const BATCH = 500

export function placeholders(count: number): string {
  return new Array<string>(count).fill('?').join(', ')
}

export function* batches<T>(items: T[], size = BATCH): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size)
}

export function positiveLimit(limit: number): number {
  return Number.isFinite(limit) && limit > 0 ? Math.floor(limit) : 0
}

function unwritable(path: string, message: string, cause: unknown): BrainError {
  return new BrainError('data-dir-unwritable', `${message}: ${errorMessage(cause)}`, { cause, details: { path } })
}
