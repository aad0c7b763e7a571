import fs from 'node:fs'
import { Emitter, toDisposable, type Disposable } from '../../../shared/lifecycle'

/** The folder as the file system knows it right now: another device or inode at the same path is another folder. */
export interface FolderIdentity {
  dev: number
  ino: number
}

/** The folder's identity, or null when nothing (or a file) is at the path. */
export function statFolderIdentity(root: string): FolderIdentity | null {
  try {
    const stat = fs.statSync(root)
    return stat.isDirectory() ? { dev: stat.dev, ino: stat.ino } : null
  } catch {
    return null
  }
}

export function sameFolderIdentity(a: FolderIdentity | null, b: FolderIdentity | null): boolean {
  return a !== null && b !== null && a.dev === b.dev && a.ino === b.ino
}

export const DEFAULT_FOLDER_POLL_MS = 2000

/**
 * The one poller that looks at the watched folder: the index controller (waiting for a vanished folder to come
 * back) and the watcher (noticing it vanish or be swapped for another folder) both listen to its ticks, so one
 * stat per interval serves both. The timer runs only while someone listens.
 */
export class FolderLiveness implements Disposable {
  private readonly ticks = new Emitter<FolderIdentity | null>()
  private listeners = 0
  private timer: NodeJS.Timeout | null = null
  private disposed = false

  constructor(
    readonly root: string,
    private readonly intervalMs = DEFAULT_FOLDER_POLL_MS,
  ) {}

  /** Hears the folder's identity (null: not there) on every tick and every `check()`. */
  onTick(listener: (identity: FolderIdentity | null) => void): Disposable {
    const subscription = this.ticks.event(listener)
    this.listeners += 1
    this.startTimer()
    let active = true
    return toDisposable(() => {
      if (!active) return
      active = false
      subscription.dispose()
      this.listeners -= 1
      if (this.listeners === 0) this.stopTimer()
    })
  }

  /** Looks now (e.g. chokidar reported the root unlinked) instead of waiting for the next tick. */
  check(): void {
    if (this.disposed) return
    this.ticks.fire(statFolderIdentity(this.root))
  }

  private startTimer(): void {
    if (this.timer || this.disposed) return
    this.timer = setInterval(() => this.check(), this.intervalMs)
    this.timer.unref?.()
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  dispose(): void {
    this.disposed = true
    this.stopTimer()
    this.ticks.dispose()
    this.listeners = 0
  }
}
