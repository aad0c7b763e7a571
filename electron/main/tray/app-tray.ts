import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron'
import type { IndexSnapshot } from '../../../shared/index-status'
import type { EngineState } from '../../../shared/ipc'
import type { EngineCaller } from '../ipc/ipc-router'

export interface AppTrayOptions {
  iconPath: string
  engine: EngineCaller
  openChat: () => void
  openQuickSearch: () => void
  quit: () => void
}

/** One line for the tray menu and tooltip, from the latest snapshot and the engine's state. */
export function describeStatus(snapshot: IndexSnapshot | null, engine: EngineState): string {
  if (engine.type === 'restarting') return `Engine restarting (attempt ${engine.attempt})…`
  if (engine.type === 'failed') return 'Engine stopped: see the chat window'
  if (!snapshot || engine.type === 'starting') return 'Starting…'
  const { phase } = snapshot
  switch (phase.type) {
    case 'no-folder':
      return 'No notes folder chosen'
    case 'starting':
      return 'Starting…'
    case 'scanning':
      return 'Scanning notes…'
    case 'indexing':
      return `Indexing notes ${phase.done}/${phase.total}`
    case 'embedding':
      return `Embedding ${phase.done}/${phase.total} passages`
    case 'ready':
      return `Indexed ${snapshot.files} notes, ${snapshot.chunks} passages`
    case 'paused':
      return phase.reason === 'user' ? 'Indexing paused' : 'Paused: notes folder unavailable'
    case 'error':
      return `Indexing error: ${phase.error.message}`
    default:
      return 'Working…'
  }
}

/** The tray icon and its menu: open chat, quick search, pause/resume indexing, the status line, quit. */
export class AppTray {
  private readonly tray: Tray
  private snapshot: IndexSnapshot | null = null
  private engineState: EngineState = { type: 'starting' }

  constructor(private readonly options: AppTrayOptions) {
    const image = nativeImage.createFromPath(options.iconPath)
    if (process.platform === 'darwin') image.setTemplateImage(true)
    this.tray = new Tray(image)
    this.tray.on('click', () => options.openChat())
    this.render()
  }

  /** Takes the latest `index-status` snapshot. */
  setSnapshot(snapshot: IndexSnapshot): void {
    this.snapshot = snapshot
    this.render()
  }

  setEngineState(state: EngineState): void {
    this.engineState = state
    this.render()
  }

  dispose(): void {
    this.tray.destroy()
  }

  private render(): void {
    const status = describeStatus(this.snapshot, this.engineState)
    const paused = this.snapshot?.phase.type === 'paused' && this.snapshot.phase.reason === 'user'
    const engineUp = this.engineState.type === 'running'
    const template: MenuItemConstructorOptions[] = [
      { id: 'open-chat', label: 'Open chat', click: () => this.options.openChat() },
      { id: 'quick-search', label: 'Quick search', click: () => this.options.openQuickSearch() },
      { type: 'separator' },
      { id: 'status', label: status, enabled: false },
      {
        id: 'pause-resume',
        label: paused ? 'Resume indexing' : 'Pause indexing',
        enabled: engineUp && this.snapshot?.phase.type !== 'no-folder',
        click: () => void this.togglePause(paused),
      },
      { type: 'separator' },
      { id: 'quit', label: 'Quit notes-rag', role: undefined, click: () => this.options.quit() },
    ]
    this.tray.setToolTip(`notes-rag: ${status}`)
    this.tray.setContextMenu(Menu.buildFromTemplate(template))
  }

  private async togglePause(paused: boolean): Promise<void> {
    try {
      const snapshot = await this.options.engine.call(paused ? 'resumeIndexing' : 'pauseIndexing', [])
      this.setSnapshot(snapshot)
    } catch (error) {
      console.warn('[tray] could not change indexing', error)
    }
  }
}
