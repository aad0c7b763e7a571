import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DataDirLock, LOCK_FILE, type LockHolder } from '../../../../electron/engine/store/data-dir-lock'
import { makeTempDir } from '../../../support/temp-dir'

const temps: Array<() => void> = []
const children: ChildProcess[] = []
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL')
  temps.splice(0).forEach((cleanup) => cleanup())
})

function dataDir(): string {
  const temp = makeTempDir('notes-rag-lock-')
  temps.push(temp.cleanup)
  return temp.dir
}

/** A real other process to name as the holder. */
function otherProcess(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' })
  children.push(child)
  return child
}

function writeHolder(dir: string, holder: Partial<LockHolder>): void {
  const full: LockHolder = { pid: 1, command: 'notes-rag index', startedAt: new Date().toISOString(), host: os.hostname(), token: 'other', ...holder }
  fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify(full))
}

describe('DataDirLock', () => {
  it('writes a lock naming the holder and removes it on release', async () => {
    const dir = dataDir()
    const lock = await DataDirLock.acquire(dir, { command: 'notes-rag index' })
    const written = JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8'))
    expect(written).toMatchObject({ pid: process.pid, command: 'notes-rag index', host: os.hostname() })
    expect(Date.parse(written.startedAt)).toBeGreaterThan(Date.now() - 60_000)
    lock.dispose()
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false)
  })

  it('refuses a second writer while another live process holds it, naming it', async () => {
    const dir = dataDir()
    const holder = otherProcess()
    writeHolder(dir, { pid: holder.pid!, command: 'notes-rag watch' })
    const error = await DataDirLock.acquire(dir, { command: 'notes-rag index' }).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: 'data-dir-locked', retryable: true })
    expect((error as Error).message).toContain(`notes-rag watch (pid ${holder.pid}`)
    expect((error as Error).message).toMatch(/--wait/)
    expect(DataDirLock.holderOf(dir)).toMatchObject({ pid: holder.pid, command: 'notes-rag watch' })
    // The holder's lock is untouched.
    expect(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')).pid).toBe(holder.pid)
  })

  it('takes over a lock whose process is dead (a SIGKILLed index)', async () => {
    const dir = dataDir()
    const holder = otherProcess()
    writeHolder(dir, { pid: holder.pid! })
    holder.kill('SIGKILL')
    await new Promise((resolve) => holder.once('exit', resolve))
    expect(DataDirLock.holderOf(dir)).toBeNull()
    const lock = await DataDirLock.acquire(dir, { command: 'notes-rag index' })
    expect(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid)
    expect(fs.readdirSync(dir).filter((name) => name.includes('.stale-'))).toEqual([])
    lock.dispose()
  })

  it('takes over a lock taken before the last boot, even if its pid is alive again', async () => {
    const dir = dataDir()
    writeHolder(dir, { pid: process.ppid, startedAt: new Date(Date.now() - os.uptime() * 1000 - 3_600_000).toISOString() })
    const lock = await DataDirLock.acquire(dir, { command: 'notes-rag index' })
    lock.dispose()
  })

  it('respects a lock from another host and says how to clear it', async () => {
    const dir = dataDir()
    writeHolder(dir, { pid: 999_999, host: 'other-laptop' })
    const error = await DataDirLock.acquire(dir, { command: 'notes-rag index' }).catch((caught: unknown) => caught)
    expect((error as Error).message).toMatch(/on other-laptop.*delete .*writer\.lock/)
  })

  it('an unreadable lock is a writer mid-create while fresh, and stale once old', async () => {
    const dir = dataDir()
    const file = path.join(dir, LOCK_FILE)
    fs.writeFileSync(file, '')
    const old = new Date(Date.now() - 10_000)
    fs.utimesSync(file, old, old)
    const lock = await DataDirLock.acquire(dir, { command: 'notes-rag index' })
    lock.dispose()
  })

  it('with wait, waits for the holder to finish and then takes it', async () => {
    const dir = dataDir()
    const holder = otherProcess()
    writeHolder(dir, { pid: holder.pid!, command: 'notes-rag index' })
    const waited: LockHolder[] = []
    const acquiring = DataDirLock.acquire(dir, { command: 'notes-rag watch', wait: true, pollMs: 20, onWait: (who) => waited.push(who) })
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(waited.map((who) => who.pid)).toEqual([holder.pid])
    holder.kill('SIGKILL')
    const lock = await acquiring
    expect(lock.holder.command).toBe('notes-rag watch')
    lock.dispose()
  })

  it('a wait can be stopped', async () => {
    const dir = dataDir()
    writeHolder(dir, { pid: otherProcess().pid! })
    const controller = new AbortController()
    const acquiring = DataDirLock.acquire(dir, { command: 'x', wait: true, pollMs: 20, signal: controller.signal })
    controller.abort()
    await expect(acquiring).rejects.toMatchObject({ code: 'aborted' })
  })

  it('is shared inside one process and released with the last holder', async () => {
    const dir = dataDir()
    const first = await DataDirLock.acquire(dir, { command: 'a' })
    const second = await DataDirLock.acquire(dir, { command: 'b' })
    first.dispose()
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(true)
    second.dispose()
    second.dispose()
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false)
  })
})
