import fs from 'node:fs'
import { watch, type FSWatcher } from 'chokidar'
import type { Disposable } from '../lifecycle'
import { hasIndexedExtension, isIgnoredPath, toRelativePath } from './ignore-rules'

/** A settled change to one file, relative to the watched folder. */
export interface FileChange {
  type: 'upsert' | 'remove'
  path: string
}

export interface FolderWatcherOptions {
  root: string
  extensions: readonly string[]
  /** Quiet time before a burst of events is delivered. */
  debounceMs?: number
  /** A burst is delivered at the latest after this long, even if events keep coming. */
  maxWaitMs?: number
  /** How long a file's size must stay the same before it counts as written (chokidar awaitWriteFinish). */
  writeStabilityMs?: number
  /** How often to check that the folder still exists, and, once gone, whether it came back. */
  livenessIntervalMs?: number
  onChanges: (changes: FileChange[]) => void
  /** `unavailable`: the folder vanished (unmounted, synced away). Changes stop; nothing is deleted. */
  onFolderState: (state: 'ok' | 'unavailable') => void
  onError?: (error: Error) => void
}

/**
 * chokidar on the weekly-logs folder, turned into debounced batches of typed changes. When the folder itself
 * disappears, the pending burst (which is mostly "unlink" noise from the disappearance) is dropped, the watcher is
 * closed and the folder is polled until it returns; then watching restarts and the owner reconciles.
 */
export class FolderWatcher implements Disposable {
  private watcher: FSWatcher | null = null
  private pending = new Map<string, FileChange['type']>()
  private debounceTimer: NodeJS.Timeout | null = null
  private maxWaitTimer: NodeJS.Timeout | null = null
  private livenessTimer: NodeJS.Timeout | null = null
  private available = true
  private disposed = false
  private readonly debounceMs: number
  private readonly maxWaitMs: number

  private constructor(private readonly options: FolderWatcherOptions) {
    this.debounceMs = options.debounceMs ?? 250
    this.maxWaitMs = options.maxWaitMs ?? 2000
  }

  /** Starts watching; resolves once chokidar has finished its initial walk. */
  static async start(options: FolderWatcherOptions): Promise<FolderWatcher> {
    const watcher = new FolderWatcher(options)
    await watcher.open()
    watcher.livenessTimer = setInterval(() => watcher.checkLiveness(), options.livenessIntervalMs ?? 2000)
    watcher.livenessTimer.unref?.()
    return watcher
  }

  get isAvailable(): boolean {
    return this.available
  }

  private async open(): Promise<void> {
    const { root, extensions } = this.options
    const watcher = watch(root, {
      ignoreInitial: true,
      persistent: true,
      followSymlinks: true,
      ignored: (absolutePath, stats) => {
        const relative = toRelativePath(root, absolutePath)
        if (relative === '' || relative.startsWith('..')) return false
        if (isIgnoredPath(relative)) return true
        return stats?.isFile() === true && !hasIndexedExtension(absolutePath, extensions)
      },
      awaitWriteFinish: { stabilityThreshold: this.options.writeStabilityMs ?? 150, pollInterval: 50 },
    })
    const record = (type: FileChange['type']) => (absolutePath: string) => {
      if (!hasIndexedExtension(absolutePath, extensions)) return
      this.queue(toRelativePath(root, absolutePath), type)
    }
    watcher.on('add', record('upsert'))
    watcher.on('change', record('upsert'))
    watcher.on('unlink', record('remove'))
    watcher.on('unlinkDir', (absolutePath: string) => {
      if (toRelativePath(root, absolutePath) === '') this.checkLiveness()
    })
    watcher.on('error', (error: unknown) => {
      // Permission errors and symlink loops inside the tree are per-path problems, never fatal.
      this.options.onError?.(error instanceof Error ? error : new Error(String(error)))
    })
    this.watcher = watcher
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()))
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
    if (!rootExists(this.options.root)) {
      // The burst is the folder going away, not the user deleting notes: drop it and wait for the folder.
      this.pending.clear()
      this.markUnavailable()
      return
    }
    const changes = [...this.pending].map(([path, type]) => ({ path, type }))
    this.pending.clear()
    this.options.onChanges(changes)
  }

  private checkLiveness(): void {
    if (this.disposed) return
    const exists = rootExists(this.options.root)
    if (this.available && !exists) this.markUnavailable()
    else if (!this.available && exists) void this.markAvailable()
  }

  private markUnavailable(): void {
    if (!this.available) return
    this.available = false
    this.pending.clear()
    const watcher = this.watcher
    this.watcher = null
    void watcher?.close()
    this.options.onFolderState('unavailable')
  }

  private async markAvailable(): Promise<void> {
    this.available = true
    try {
      await this.open()
    } catch (error) {
      this.available = false
      this.options.onError?.(error as Error)
      return
    }
    if (!this.disposed) this.options.onFolderState('ok')
  }

  async dispose(): Promise<void> {
    this.disposed = true
    for (const timer of [this.debounceTimer, this.maxWaitTimer]) if (timer) clearTimeout(timer)
    if (this.livenessTimer) clearInterval(this.livenessTimer)
    this.pending.clear()
    await this.watcher?.close()
    this.watcher = null
  }
}

function rootExists(root: string): boolean {
  try {
    return fs.statSync(root).isDirectory()
  } catch {
    return false
  }
}
