import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseDevWebArgs } from '../../../../electron/engine/bridge/dev-web'

describe('parseDevWebArgs', () => {
  it('takes flags over the environment and makes paths absolute', () => {
    const options = parseDevWebArgs(['--data-dir', 'data', '--folder', 'notes', '--port', '7000'], {
      NOTES_RAG_FOLDER: '/elsewhere',
      NOTES_RAG_DATA_DIR: '/ignored',
    })
    expect(options).toEqual({ dataDir: path.resolve('data'), folder: path.resolve('notes'), pickFolder: path.resolve('notes'), bridgePort: 7000, webPort: 5173 })
  })

  it('falls back to the environment, and the picker to the folder', () => {
    const options = parseDevWebArgs([], { NOTES_RAG_DATA_DIR: '/data', NOTES_RAG_PICK_FOLDER: '/picked' })
    expect(options).toMatchObject({ dataDir: '/data', folder: null, pickFolder: '/picked', bridgePort: 0 })
  })

  it('rejects bad ports and unknown flags', () => {
    expect(() => parseDevWebArgs(['--port', 'http'], {})).toThrow(/Not a port/)
    expect(() => parseDevWebArgs(['--host', '0.0.0.0'], {})).toThrow()
  })
})
