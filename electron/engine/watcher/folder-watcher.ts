import fs from 'node:fs'
import path from 'node:path'
import { watch, type FSWatcher } from 'chokidar'
import type { Disposable } from '../../../shared/lifecycle'
import { Backoff } from '../../../shared/backoff'
import { FolderLiveness, sameFolderIdentity, statFolderIdentity, type FolderIdentity } from './folder-liveness'
import { hasIndexedExtension, isIgnoredPath, toRelativePath } from './ignore-rules'
import { BrainError, errorMessage } from '../../../shared/errors'

/** A settled change to one file, relative to the watched folder. */
export interface FileChange {
  type: 'upsert' | 'remove'
  path: string
}

/**
 * What the watcher knows about the folder itself. `unavailable`: it vanished (unmounted, synced away); changes stop
 * and nothing is deleted. `replaced`: another folder now sits at the same path (another inode or device: a remount,
 * `mv notes notes.old && mkdir notes`); the watcher has re-attached to it and the owner should run a full pass.
 * `ok`: watching (again).
 */
export type WatchedFolderState = 'ok' | 'unavailable' | 'replaced'

export interface FolderWatcherOptions {
  root: string
  extensions: readonly string[]
  /** Quiet time before a burst of events is delivered. */
  debounceMs?: number
  /** A burst is delivered at the latest after this long, even if events keep coming. */
  maxWaitMs?: number
  /** How long a file's size must stay the same before it counts as written (chokidar awaitWriteFinish). */
  writeStabilityMs?: number
  /**
   * The poller that checks the folder still exists and is still the same folder; the owner shares its own (the
   * index controller's). Without one, the watcher makes and owns one ticking every `livenessIntervalMs`.
   */
  liveness?: FolderLiveness
  livenessIntervalMs?: number
  /** First delay before re-attaching after the watcher died; doubles up to `maxRestartDelayMs`. */
  restartDelayMs?: number
  maxRestartDelayMs?: number
  /** chokidar's initial walk is given this long; after that watching counts as started (events still flow). */
  readyTimeoutMs?: number
  onChanges: (changes: FileChange[]) => void
  onFolderState: (state: WatchedFolderState) => void
  onError?: (error: Error) => void
}

/** Errors after which chokidar no longer delivers events for the folder: the watcher is restarted. */
const FATAL_WATCH_ERRORS = new Set(['ENOSPC', 'EMFILE', 'ENFILE', 'EBADF'])

const RESTART_BACKOFF_RESET_MS = 5 * 60_000

/**
 * chokidar on the weekly-logs folder, turned into debounced batches of typed changes. The folder's identity
 * (device and inode) is checked on every burst and every tick of the shared folder poller (`FolderLiveness`), so a
 * folder swapped for another one at the same path, however fast, is never mistaken for the user deleting every
 * note: the burst is dropped, the watcher re-attaches to the new folder and the owner is told. Directory links that lead back inside the folder (or loop)
 * are not followed; errors are per path unless the watcher itself died, and then it restarts with backoff.
 */
export class FolderWatcher implements Disposable {
  private watcher: FSWatcher | null = null
  private opening: Promise<void> | null = null
  private identity: FolderIdentity | null = null
  private pending = new Map<string, FileChange['type']>()
  private debounceTimer: NodeJS.Timeout | null = null
  private maxWaitTimer: NodeJS.Timeout | null = null
  private readonly liveness: FolderLiveness
  private readonly ownsLiveness: boolean
  private livenessSubscription: Disposable | null = null
  private restartTimer: NodeJS.Timeout | null = null
  private readonly restartBackoff: Backoff
  private lastRestartAt = 0
  private available = true
  private disposed = false
  private readonly debounceMs: number
  private readonly maxWaitMs: number
  private readonly realRoot: string

  private constructor(private readonly options: FolderWatcherOptions) {
    this.debounceMs = options.debounceMs ?? 250
    this.maxWaitMs = options.maxWaitMs ?? 2000
    this.restartBackoff = new Backoff(() => ({ initialMs: options.restartDelayMs ?? 1000, maxMs: options.maxRestartDelayMs ?? 60_000 }))
    this.realRoot = safeRealpath(options.root) ?? path.resolve(options.root)
    this.ownsLiveness = !options.liveness
    this.liveness = options.liveness ?? new FolderLiveness(options.root, options.livenessIntervalMs)
  }

  /** Starts watching; resolves once chokidar has finished its initial walk (or `readyTimeoutMs` passed). */
  static async start(options: FolderWatcherOptions): Promise<FolderWatcher> {
    const watcher = new FolderWatcher(options)
    await watcher.attach()
    watcher.livenessSubscription = watcher.liveness.onTick((identity) => watcher.checkLiveness(identity))
    return watcher
  }

  get isAvailable(): boolean {
    return this.available
  }

  /**
   * Drops the current chokidar instance and attaches a new one (the owner found changes the watcher never
   * reported). Resolves when the new one is watching.
   */
  async restart(reason: string): Promise<void> {
    if (this.disposed || !this.available) return
    this.options.onError?.(new BrainError('folder-unavailable', `The file watcher is restarting: ${reason}`, { retryable: true }))
    await this.attach()
  }

  /** Closes any previous chokidar instance and opens one on the folder as it is now. */
  private attach(): Promise<void> {
    const run = async () => {
      await this.closeWatcher()
      if (this.disposed) return
      this.identity = statFolderIdentity(this.options.root)
      const watcher = this.createWatcher()
      this.watcher = watcher
      await this.whenReady(watcher)
      if (this.disposed || this.watcher !== watcher) await watcher.close().catch(() => undefined)
    }
    // One attach at a time: a liveness tick and a restart never open two instances that both outlive dispose().
    const previous = this.opening ?? Promise.resolve()
    const next = previous.then(run, run)
    const tracked = next.catch(() => undefined)
    this.opening = tracked
    void tracked.then(() => {
      if (this.opening === tracked) this.opening = null
    })
    return next
  }

  private createWatcher(): FSWatcher {
    const { root, extensions } = this.options
    const watcher = watch(root, {
      ignoreInitial: true,
      persistent: true,
      followSymlinks: true,
      ignored: (absolutePath, stats) => {
        const relative = toRelativePath(root, absolutePath)
        if (relative === '' || relative.startsWith('..')) return false
        if (isIgnoredPath(relative)) return true
        if (stats?.isFile() === true && !hasIndexedExtension(absolutePath, extensions)) return true
        if (stats?.isFile() === true) return false
        return this.isLinkBackInside(absolutePath)
      },
      awaitWriteFinish: { stabilityThreshold: this.options.writeStabilityMs ?? 150, pollInterval: 50 },
    })
    const record = (type: FileChange['type']) => (absolutePath: string, stats?: fs.Stats) => {
      if (this.watcher !== watcher) return
      if (!hasIndexedExtension(absolutePath, extensions)) return
      // FIFOs, sockets and devices with a note's name are not notes (the indexer would also refuse them).
      if (type === 'upsert' && stats && !stats.isFile()) return
      this.queue(toRelativePath(root, absolutePath), type)
    }
    watcher.on('add', record('upsert'))
    watcher.on('change', record('upsert'))
    watcher.on('unlink', record('remove'))
    watcher.on('unlinkDir', (absolutePath: string) => {
      if (this.watcher === watcher && toRelativePath(root, absolutePath) === '') this.liveness.check()
    })
    watcher.on('error', (error: unknown) => this.onWatchError(watcher, error))
    return watcher
  }

  /**
   * A directory link whose target is this folder, one of its subfolders or one of its parents: following it would
   * index the same notes again under longer and longer paths (`self/self/…/2024-W01.md`) or never finish the walk.
   * Links to folders elsewhere are followed. A link that cannot be resolved (a loop, a dangling target) is skipped.
   */
  private isLinkBackInside(absolutePath: string): boolean {
    let link: fs.Stats
    try {
      link = fs.lstatSync(absolutePath)
    } catch {
      return false
    }
    if (!link.isSymbolicLink()) return false
    const target = safeRealpath(absolutePath)
    if (target === null) return true
    let isDirectory = false
    try {
      isDirectory = fs.statSync(target).isDirectory()
    } catch {
      return true
    }
    if (!isDirectory) return false
    return isInside(target, this.realRoot) || isInside(this.realRoot, target)
  }

  private onWatchError(watcher: FSWatcher, error: unknown): void {
    const failure = error instanceof Error ? error : new BrainError('internal', errorMessage(error), { cause: error })
    const code = (failure as NodeJS.ErrnoException).code ?? ''
    this.options.onError?.(failure)
    // Permission errors and symlink loops inside the tree are per-path problems, never fatal.
    if (this.watcher !== watcher || !FATAL_WATCH_ERRORS.has(code)) return
    this.scheduleRestart(`the watcher failed (${code})`)
  }

  private scheduleRestart(reason: string): void {
    if (this.restartTimer || this.disposed) return
    // A watcher that ran quietly for a while starts its backoff from the beginning again.
    if (Date.now() - this.lastRestartAt > RESTART_BACKOFF_RESET_MS) this.restartBackoff.reset()
    this.lastRestartAt = Date.now()
    const delay = this.restartBackoff.next()
    this.options.onError?.(new BrainError('folder-unavailable', `The file watcher stopped (${reason}); restarting in ${Math.round(delay / 1000)} s.`, { retryable: true }))
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null
      if (this.disposed || !this.available) return
      this.attach()
        // Re-attached: a full pass catches whatever happened while no events came.
        .then(() => this.options.onFolderState('replaced'))
        .catch((error) => this.scheduleRestart(`re-attaching failed: ${errorMessage(error)}`))
    }, delay)
    this.restartTimer.unref?.()
  }

  private whenReady(watcher: FSWatcher): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.options.onError?.(new BrainError('folder-unavailable', 'The file watcher took too long to list the folder; watching anyway.', { retryable: true }))
        resolve()
      }, this.options.readyTimeoutMs ?? 60_000)
      timer.unref?.()
      watcher.once('ready', () => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  private queue(relativePath: string, type: FileChange['type']): void {
    if (this.disposed || !this.available) return
    this.pending.set(relativePath, type)
    if (this.debounceTimer) clearTimeout(this.debounceTimer)
    this.debounceTimer = setTimeout(() => this.flush(), this.debounceMs)
    if (!this.maxWaitTimer) this.maxWaitTimer = setTimeout(() => this.flush(), this.maxWaitMs)
  }

  private flush(): void {
    if (this.debounceTimer) clearTimeout(this.debounceTimer)
    if (this.maxWaitTimer) clearTimeout(this.maxWaitTimer)
    this.debounceTimer = null
    this.maxWaitTimer = null
    if (this.pending.size === 0 || this.disposed) return
    const now = statFolderIdentity(this.options.root)
    if (now === null) {
      // The burst is the folder going away, not the user deleting notes: drop it and wait for the folder.
      this.pending.clear()
      this.markUnavailable()
      return
    }
    if (!sameFolderIdentity(now, this.identity)) {
      // Events from the folder that was moved away, reported under the old path: not changes to this folder.
      this.pending.clear()
      void this.onReplaced()
      return
    }
    const changes = [...this.pending].map(([path, type]) => ({ path, type }))
    this.pending.clear()
    this.options.onChanges(changes)
  }

  private checkLiveness(now: FolderIdentity | null): void {
    if (this.disposed) return
    if (this.available && now === null) this.markUnavailable()
    else if (!this.available && now !== null) void this.markAvailable()
    else if (this.available && now !== null && !sameFolderIdentity(now, this.identity)) void this.onReplaced()
  }

  private async onReplaced(): Promise<void> {
    if (this.disposed) return
    this.pending.clear()
    // Set at once so the next tick does not start a second re-attach.
    this.identity = statFolderIdentity(this.options.root)
    try {
      await this.attach()
    } catch (error) {
      this.scheduleRestart(`re-attaching to the replaced folder failed: ${errorMessage(error)}`)
      return
    }
    if (!this.disposed) this.options.onFolderState('replaced')
  }

  private markUnavailable(): void {
    if (!this.available) return
    this.available = false
    this.pending.clear()
    void this.closeWatcher()
    this.options.onFolderState('unavailable')
  }

  private async markAvailable(): Promise<void> {
    this.available = true
    try {
      await this.attach()
    } catch (error) {
      this.available = false
      this.options.onError?.(error as Error)
      return
    }
    if (!this.disposed) this.options.onFolderState('ok')
  }

  private async closeWatcher(): Promise<void> {
    const watcher = this.watcher
    this.watcher = null
    await watcher?.close().catch(() => undefined)
  }

  async dispose(): Promise<void> {
    this.disposed = true
    for (const timer of [this.debounceTimer, this.maxWaitTimer, this.restartTimer]) if (timer) clearTimeout(timer)
    this.livenessSubscription?.dispose()
    if (this.ownsLiveness) this.liveness.dispose()
    this.pending.clear()
    // An attach in flight finishes first, then sees `disposed` and closes what it opened.
    await this.opening?.catch(() => undefined)
    await this.closeWatcher()
  }
}

function safeRealpath(target: string): string | null {
  try {
    return fs.realpathSync(target)
  } catch {
    return null
  }
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child)
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))
}
