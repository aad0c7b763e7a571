// Electron main entry: lifecycle only (see main-lifecycle.ts and app-shell.ts).
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { app } from 'electron'
import { engineEnvironment } from './engine-host/engine-environment'
import { runMain } from './main-lifecycle'

// out/main/index.js sits beside engine-process.js; out/preload and out/renderer are its siblings.
const here = path.dirname(fileURLToPath(import.meta.url))
const resources = path.join(app.getAppPath(), 'resources')

runMain({
  enginePath: path.join(here, 'engine-process.js'),
  preloadPath: path.join(here, '..', 'preload', 'index.cjs'),
  location: {
    devServerUrl: !app.isPackaged && process.env.ELECTRON_RENDERER_URL ? process.env.ELECTRON_RENDERER_URL : null,
    rendererDir: path.join(here, '..', 'renderer'),
  },
  windowIconPath: path.join(resources, 'icon.png'),
  trayIconPath: path.join(resources, process.platform === 'darwin' ? 'trayTemplate.png' : 'tray-icon.png'),
  engine: {
    env: engineEnvironment({
      isPackaged: app.isPackaged,
      appPath: app.getAppPath(),
      resourcesPath: process.resourcesPath,
      versions: { electron: process.versions.electron },
      platform: process.platform,
      arch: process.arch,
    }),
  },
}).catch((error: unknown) => {
  console.error('[app] failed to start', error)
  app.exit(1)
})
