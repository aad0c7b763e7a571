import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { BrainError, throwIfAborted, errorMessage } from '../../../shared/errors'
import type { Disposable } from '../../../shared/lifecycle'
import { sleep } from '../async/sleep'

/** The lock file in the data dir; its content names the process that writes the index. */
export const LOCK_FILE = 'writer.lock'

/** Who holds a data dir's writer lock, as written in the lock file. */
export interface LockHolder {
  pid: number
  /** What the holder runs ("notes-rag index", "notes-rag watch", "notes-rag app"). */
  command: string
  /** ISO time the lock was taken. */
  startedAt: string
  host: string
  /** Random per acquisition: tells a lock apart from a newer one by the same pid. */
  token: string
}

export interface AcquireOptions {
  command: string
  /** Wait (polling) for the holder to finish instead of failing at once. */
  wait?: boolean
  /** Called once when waiting starts, with the holder (the CLI prints who it waits for). */
  onWait?: (holder: LockHolder) => void
  signal?: AbortSignal
  pollMs?: number
}

// A lock file younger than this that cannot be parsed is a writer between create and write, not a stale lock.
const PARTIAL_LOCK_GRACE_MS = 2_000

/** Processes of this one that share a lock: the lock is between processes, as SQLite's own locking is. */
const heldHere = new Map<string, { holder: LockHolder; count: number }>()

/**
 * One writer per data dir. The lock is a file created exclusively (`wx`) holding the holder's pid, command, start
 * time and host. A lock whose pid is dead on this host, or that is older than the last boot, is stale and taken
 * over (a SIGKILLed `index` must not lock the user out). Readers (`status`, `search`) never take it; SQLite's WAL
 * lets them read while the writer writes.
 */
export class DataDirLock implements Disposable {
  private released = false

  private constructor(
    readonly file: string,
    readonly holder: LockHolder,
  ) {}

  /** Takes the lock or throws `data-dir-locked` naming the holder (or, with `wait`, waits until it is free). */
  static async acquire(dataDir: string, options: AcquireOptions): Promise<DataDirLock> {
    const file = path.join(dataDir, LOCK_FILE)
    const shared = heldHere.get(file)
    if (shared) {
      shared.count += 1
      return new DataDirLock(file, shared.holder)
    }
    const holder: LockHolder = { pid: process.pid, command: options.command, startedAt: new Date().toISOString(), host: os.hostname(), token: randomBytes(8).toString('hex') }
    let waitingFor: string | null = null
    for (;;) {
      throwIfAborted(options.signal)
      if (tryCreate(file, holder)) {
        heldHere.set(file, { holder, count: 1 })
        registerExitCleanup()
        return new DataDirLock(file, holder)
      }
      const current = readLock(file)
      if (current.type === 'gone') continue
      if (current.type === 'stale') {
        takeOver(file, current.raw)
        continue
      }
      if (current.type === 'partial') {
        await sleep(50, options.signal)
        continue
      }
      if (!options.wait) throw lockedError(dataDir, file, current.holder)
      if (waitingFor !== current.holder.token) {
        waitingFor = current.holder.token
        options.onWait?.(current.holder)
      }
      await sleep(options.pollMs ?? 250, options.signal)
    }
  }

  /** The live holder of a data dir's lock (another process), or null when it is free or stale. */
  static holderOf(dataDir: string): LockHolder | null {
    const file = path.join(dataDir, LOCK_FILE)
    if (heldHere.has(file)) return null
    const current = readLock(file)
    return current.type === 'held' ? current.holder : null
  }

  /** Releases the lock (once every acquisition in this process has); removes the file only if it is still ours. */
  dispose(): void {
    if (this.released) return
    this.released = true
    const shared = heldHere.get(this.file)
    if (!shared || shared.holder.token !== this.holder.token) return
    shared.count -= 1
    if (shared.count > 0) return
    heldHere.delete(this.file)
    removeIfOurs(this.file, this.holder.token)
  }
}

function tryCreate(file: string, holder: LockHolder): boolean {
  try {
    // wx: created only if absent, atomically, even on network file systems that honour O_EXCL.
    fs.writeFileSync(file, `${JSON.stringify(holder)}\n`, { flag: 'wx', mode: 0o644 })
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw new BrainError('data-dir-unwritable', `Cannot create the lock file ${file}: ${errorMessage(error)}`, { cause: error })
  }
}

type LockState = { type: 'gone' } | { type: 'partial' } | { type: 'stale'; raw: string } | { type: 'held'; holder: LockHolder }

function readLock(file: string): LockState {
  let raw: string
  let mtimeMs: number
  try {
    raw = fs.readFileSync(file, 'utf8')
    mtimeMs = fs.statSync(file).mtimeMs
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { type: 'gone' }
    throw new BrainError('data-dir-unwritable', `Cannot read the lock file ${file}: ${errorMessage(error)}`, { cause: error })
  }
  const holder = parseHolder(raw)
  if (!holder) return Date.now() - mtimeMs < PARTIAL_LOCK_GRACE_MS ? { type: 'partial' } : { type: 'stale', raw }
  return isStale(holder) ? { type: 'stale', raw } : { type: 'held', holder }
}

function parseHolder(raw: string): LockHolder | null {
  try {
    const value = JSON.parse(raw) as Partial<LockHolder>
    if (typeof value.pid !== 'number' || typeof value.token !== 'string' || typeof value.host !== 'string') return null
    return { pid: value.pid, command: String(value.command ?? 'notes-rag'), startedAt: String(value.startedAt ?? ''), host: value.host, token: value.token }
  } catch {
    return null
  }
}

/** Stale when its process is gone. Only decidable on the same host; a lock from another computer is respected. */
function isStale(holder: LockHolder): boolean {
  if (holder.host !== os.hostname()) return false
  const started = Date.parse(holder.startedAt)
  // Taken before this boot: the pid may since belong to an unrelated process.
  if (Number.isFinite(started) && started < Date.now() - os.uptime() * 1000 - 60_000) return true
  return !pidAlive(holder.pid)
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Moves a stale lock out of the way. Two processes may both find it stale: the rename lets only one of them move
 * it, and the content check makes sure what was moved is the stale lock, not a fresh one taken in between.
 */
function takeOver(file: string, staleRaw: string): void {
  const moved = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`
  try {
    fs.renameSync(file, moved)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  const content = fs.readFileSync(moved, 'utf8')
  if (content !== staleRaw) {
    // A live lock was moved by mistake: put it back unless its owner's file was already replaced.
    try {
      fs.linkSync(moved, file)
    } catch {
      // Someone holds the lock now either way.
    }
  }
  fs.rmSync(moved, { force: true })
}

function removeIfOurs(file: string, token: string): void {
  try {
    if (parseHolder(fs.readFileSync(file, 'utf8'))?.token === token) fs.rmSync(file, { force: true })
  } catch {
    // Already gone, or the data dir with it.
  }
}

let exitCleanupRegistered = false
/** An exit without dispose (an uncaught error, process.exit) still frees the lock; SIGKILL leaves a stale one. */
function registerExitCleanup(): void {
  if (exitCleanupRegistered) return
  exitCleanupRegistered = true
  process.once('exit', () => {
    for (const [file, { holder }] of heldHere) removeIfOurs(file, holder.token)
    heldHere.clear()
  })
}

function lockedError(dataDir: string, file: string, holder: LockHolder): BrainError {
  const where = holder.host === os.hostname() ? '' : ` on ${holder.host}`
  const remote = holder.host === os.hostname() ? '' : ` If that computer no longer runs notes-rag, delete ${file}.`
  return new BrainError(
    'data-dir-locked',
    `The data folder ${dataDir} is being written by ${holder.command} (pid ${holder.pid}${where}, since ${holder.startedAt}). ` +
      `Wait for it to finish or stop it, or run again with --wait; status and search work meanwhile.${remote}`,
    { retryable: true, details: { holder, lockFile: file } },
  )
}
