import fs from 'node:fs'
import path from 'node:path'

/** Where `electron/build/prepare-electron-native.mjs` puts better-sqlite3 built for this Electron. */
export function electronSqliteBindingPath(appPath: string, versions: { electron: string }, platform: string, arch: string): string {
  return path.join(appPath, '.cache', 'electron-native', `electron-${versions.electron}-${platform}-${arch}`, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')
}

/**
 * The engine process's extra environment. From a checkout (`npm start`) the SQLite driver is the Electron-ABI
 * build kept beside node_modules; a packaged app has node_modules rebuilt for Electron and ships the default
 * embedding model in its resources.
 */
export function engineEnvironment(options: {
  isPackaged: boolean
  appPath: string
  resourcesPath: string
  versions: { electron: string }
  platform: string
  arch: string
  exists?: (file: string) => boolean
}): Record<string, string> {
  const exists = options.exists ?? fs.existsSync
  const env: Record<string, string> = {}
  if (options.isPackaged) {
    env.NOTES_RAG_BUNDLED_MODELS_DIR = path.join(options.resourcesPath, 'models')
  } else {
    const binding = electronSqliteBindingPath(options.appPath, options.versions, options.platform, options.arch)
    if (exists(binding)) env.NOTES_RAG_SQLITE_BINDING = binding
  }
  return env
}
