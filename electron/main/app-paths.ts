import path from 'node:path'
import { app } from 'electron'
import { APP_NAME } from '../../shared/app-identity'

/**
 * Names the app `notes-rag` and returns its data dir, `app.getPath('userData')`: ~/.config/notes-rag,
 * ~/Library/Application Support/notes-rag or %APPDATA%\notes-rag — the same folder the CLI uses
 * (electron/engine/settings/data-dir.ts), including the NOTES_RAG_DATA_DIR override. Call before `ready`.
 */
export function configureDataDir(env: NodeJS.ProcessEnv = process.env): string {
  app.setName(APP_NAME)
  const dataDir = env.NOTES_RAG_DATA_DIR ? path.resolve(env.NOTES_RAG_DATA_DIR) : path.join(app.getPath('appData'), APP_NAME)
  app.setPath('userData', dataDir)
  return app.getPath('userData')
}
