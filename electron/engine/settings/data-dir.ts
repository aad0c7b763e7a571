import os from 'node:os'
import path from 'node:path'
import { APP_NAME } from '../../../shared/app-identity'
import { SETTINGS_FILE_NAME } from '../../../shared/parse-settings'

/**
 * The folder the app keeps its index, settings and models in. It is Electron's `userData` for an app named
 * `notes-rag`, so the desktop app and the CLI share one index. NOTES_RAG_DATA_DIR overrides it.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.NOTES_RAG_DATA_DIR) return path.resolve(env.NOTES_RAG_DATA_DIR)
  const home = (platform === 'win32' ? env.USERPROFILE : env.HOME) || os.homedir()
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_NAME)
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_NAME)
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_NAME)
}

/** Where each piece lives inside the data dir. */
export function dataPaths(dataDir: string) {
  return {
    dataDir,
    database: path.join(dataDir, 'index.sqlite'),
    vectors: path.join(dataDir, 'vectors'),
    settings: path.join(dataDir, SETTINGS_FILE_NAME),
    models: path.join(dataDir, 'models'),
  }
}
