import { spawn, spawnSync } from 'node:child_process'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { makeTempDir } from '../../support/temp-dir'

const root = path.resolve(import.meta.dirname, '../../..')
const bin = path.join(root, 'bin/notes-rag-server.mjs')
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('notes-rag-server (the real process)', { timeout: 240_000 }, () => {
  it('creates a user with a token, then serves them on a free port until SIGTERM', async () => {
    const temp = makeTempDir('notes-rag-server-cli-')
    cleanups.push(temp.cleanup)
    const env = { ...process.env, NOTES_RAG_SERVER_DATA_DIR: path.join(temp.dir, 'data'), NOTES_RAG_SERVER_PORT: '0' }
    const added = spawnSync(process.execPath, [bin, 'add-user', 'alice'], { env, encoding: 'utf8' })
    expect(added.stderr).toBe('')
    expect(added.status).toBe(0)
    const token = /\n(nrs_[\w-]{43})\n?$/.exec(added.stdout)?.[1]
    expect(token).toBeDefined()
    const listed = spawnSync(process.execPath, [bin, 'list-users'], { env, encoding: 'utf8' })
    expect(listed.stdout).toMatch(/^alice\trevision 1\tmodel -$/m)
    // The token is stored hashed only.
    const bad = spawnSync(process.execPath, [bin, 'frobnicate'], { env, encoding: 'utf8' })
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/Unknown command frobnicate/)

    const child = spawn(process.execPath, [bin], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    cleanups.push(() => (child.exitCode === null ? child.kill('SIGKILL') : undefined))
    let output = ''
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (data: Buffer) => {
        output += data.toString()
        const match = /listening on (http:\/\/\S+\/v1)/.exec(output)
        if (match) resolve(match[1])
      })
      child.stderr.on('data', (data: Buffer) => (output += data.toString()))
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${output}`)))
    })
    expect(output).toMatch(/No upstream model is configured/)
    const models = await fetch(`${url}/models`, { headers: { authorization: `Bearer ${token}` } })
    expect(models.status).toBe(200)
    expect((await models.json()).data.map((model: { id: string }) => model.id)).toContain('notes-rag')
    expect((await fetch(`${url}/models`, { headers: { authorization: 'Bearer nrs_someone-else-entirely-here' } })).status).toBe(401)
    const chat = await fetch(`${url}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'notes-rag', messages: [{ role: 'user', content: 'hi' }] }) })
    expect(chat.status).toBe(503)
    expect((await chat.json()).error.message).toMatch(/No upstream model is configured/)
    const health = await fetch(url.replace(/\/v1$/, '/healthz'))
    expect(await health.json()).toEqual({ ok: true, database: 'pglite' })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })
})
