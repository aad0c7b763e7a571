import { globalShortcut } from 'electron'
import { errorMessage } from '../../../shared/errors'
import type { ShellMethods } from '../../../shared/ipc'

/** The result of the last registration, as the settings page shows it. */
export type ShortcutStatus = ReturnType<ShellMethods['getShortcutStatus']>

/** Owns the one global shortcut that toggles quick search; re-registering swaps it atomically enough. */
export class QuickSearchShortcut {
  private registered: string | null = null
  private current: ShortcutStatus = { accelerator: '', registered: false, message: 'Not registered yet.' }

  constructor(private readonly onPress: () => void) {}

  get status(): ShortcutStatus {
    return this.current
  }

  /** Registers `accelerator` (dropping the previous one); failure is reported in `status`, never thrown. */
  register(accelerator: string): ShortcutStatus {
    const wanted = accelerator.trim()
    if (this.registered === wanted && this.current.registered) return this.current
    this.unregister()
    if (wanted === '') {
      this.current = { accelerator: '', registered: false, message: 'No shortcut set.' }
      return this.current
    }
    try {
      if (globalShortcut.register(wanted, this.onPress)) {
        this.registered = wanted
        this.current = { accelerator: wanted, registered: true, message: null }
      } else {
        this.current = {
          accelerator: wanted,
          registered: false,
          message: `${wanted} is already used by another application or the system. Choose another shortcut in Settings.`,
        }
      }
    } catch (error) {
      this.current = { accelerator: wanted, registered: false, message: `${wanted} is not a valid shortcut: ${errorMessage(error)}` }
    }
    if (!this.current.registered) console.warn(`[shortcut] ${this.current.message}`)
    return this.current
  }

  unregister(): void {
    if (this.registered) globalShortcut.unregister(this.registered)
    this.registered = null
  }

  dispose(): void {
    this.unregister()
  }
}
