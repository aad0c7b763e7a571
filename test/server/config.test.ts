import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../server/config'
import { makeTempDir } from '../support/temp-dir'

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

function configFile(content: string): string {
  const temp = makeTempDir('notes-rag-server-config-')
  cleanups.push(temp.cleanup)
  const file = path.join(temp.dir, 'config.json')
  fs.writeFileSync(file, content)
  return file
}

describe('server configuration', () => {
  it('has defaults that run with nothing installed (embedded PGlite, no upstream yet)', () => {
    const config = loadConfig({}, null)
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8787, database: { url: null, dataDir: './notes-rag-server-data' }, sync: { skew: 're-embed', maxBatchBytes: 8 * 1024 * 1024 } })
    expect(config.chat.small).toBeNull()
    expect(config.chat.passThrough).toEqual({ small: 'small', large: 'large' })
  })

  it('reads a file, then lets the environment override it', () => {
    const file = configFile(JSON.stringify({ port: 9000, chat: { small: { baseUrl: 'http://vllm.lan:8000/v1', model: 'qwen-small' } }, rateLimit: { chatPerMinute: 5 } }))
    const config = loadConfig({ NOTES_RAG_SERVER_PORT: '9100', NOTES_RAG_SERVER_DATABASE_URL: 'postgres://notes@db/notes', NOTES_RAG_SERVER_LARGE_URL: 'http://ollama.lan:11434/v1', NOTES_RAG_SERVER_LARGE_MODEL: 'llama3:70b' }, file)
    expect(config.port).toBe(9100)
    expect(config.database.url).toBe('postgres://notes@db/notes')
    expect(config.chat.small).toMatchObject({ baseUrl: 'http://vllm.lan:8000/v1', model: 'qwen-small', contextTokens: 8192 })
    expect(config.chat.large).toMatchObject({ baseUrl: 'http://ollama.lan:11434/v1', model: 'llama3:70b' })
    expect(config.rateLimit.chatPerMinute).toBe(5)
  })

  it.each([
    [{ NOTES_RAG_SERVER_PORT: 'eighty' }, null, /NOTES_RAG_SERVER_PORT must be a number/],
    [{ NOTES_RAG_SERVER_SKEW: 'ignore' }, null, /sync\.skew/],
    [{ NOTES_RAG_SERVER_SMALL_URL: 'not a url', NOTES_RAG_SERVER_SMALL_MODEL: 'm' }, null, /chat\.small\.baseUrl/],
    [{}, '/nonexistent/notes-rag-server.json', /Cannot read the configuration file/],
  ])('refuses %j %s with a message naming the setting', (env, file, message) => {
    expect(() => loadConfig(env, file)).toThrow(ConfigError)
    expect(() => loadConfig(env, file)).toThrow(message)
  })

  it('names a file that is not JSON', () => {
    const file = configFile('{ port: 1 ')
    expect(() => loadConfig({}, file)).toThrow(/is not JSON/)
  })
})
