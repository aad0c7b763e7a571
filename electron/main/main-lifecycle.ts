import { app } from 'electron'
import { configureDataDir } from './app-paths'
import { AppShell, type AppShellOptions } from './app-shell'

/** Paths of the built app; index.ts computes them from its own location. */
export type MainPaths = Omit<AppShellOptions, 'dataDir' | 'quit'>

/** The app's lifecycle around `AppShell`; returns the shell once ready (null in a second instance). */
export async function runMain(paths: MainPaths, shutdownTimeoutMs = 8_000): Promise<AppShell | null> {
  const dataDir = configureDataDir()
  // A second instance would open a second engine on the same SQLite and LanceDB files: hand over and leave.
  if (!app.requestSingleInstanceLock()) {
    app.quit()
    return null
  }

  let shell: AppShell | null = null
  let shutDown = false
  app.on('second-instance', () => shell?.showChat())
  // Closing every window keeps the app in the tray; only Quit (tray, menu, Cmd+Q) ends it.
  app.on('window-all-closed', () => {})
  app.on('activate', () => shell?.showChat())
  app.on('before-quit', (event) => {
    if (shutDown || !shell) return
    // Hold the quit until the engine has closed its databases, bounded so a stuck engine cannot block it.
    event.preventDefault()
    shutDown = true
    shell.prepareToQuit()
    const timeout = new Promise((resolve) => setTimeout(resolve, shutdownTimeoutMs))
    void Promise.race([shell.dispose(), timeout])
      .catch((error: unknown) => console.error('[app] shutdown failed', error))
      .finally(() => app.quit())
  })

  await app.whenReady()
  shell = new AppShell({ ...paths, dataDir, quit: () => app.quit() })
  shell.start()
  return shell
}
