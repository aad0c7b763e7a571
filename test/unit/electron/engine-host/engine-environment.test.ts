import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { electronSqliteBindingPath, engineEnvironment } from '../../../../electron/main/engine-host/engine-environment'

const base = { appPath: '/repo', resourcesPath: '/opt/notes-rag/resources', versions: { electron: '41.7.1' }, platform: 'linux', arch: 'x64' }

describe('engineEnvironment', () => {
  it('points a checkout at the Electron-ABI SQLite build when it has been prepared', () => {
    const binding = electronSqliteBindingPath('/repo', { electron: '41.7.1' }, 'linux', 'x64')
    expect(binding).toBe(path.join('/repo', '.cache/electron-native/electron-41.7.1-linux-x64/better-sqlite3/build/Release/better_sqlite3.node'))
    expect(engineEnvironment({ ...base, isPackaged: false, exists: (file) => file === binding })).toEqual({ NOTES_RAG_SQLITE_BINDING: binding })
  })

  it('leaves the driver alone when no Electron build exists (the engine then reports the ABI error clearly)', () => {
    expect(engineEnvironment({ ...base, isPackaged: false, exists: () => false })).toEqual({})
  })

  it('gives a packaged app its bundled models folder', () => {
    expect(engineEnvironment({ ...base, isPackaged: true, exists: () => true })).toEqual({ NOTES_RAG_BUNDLED_MODELS_DIR: path.join('/opt/notes-rag/resources', 'models') })
  })
})
