import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { GATEWAY_TOKEN_FILE, GatewayTokenStore, keychainKind, type SafeStorageLike } from '../../../../electron/main/secrets/gateway-token-store'
import { chooseTokenStorage, setGatewayTokenAsked, tokenStoragePrompt } from '../../../../electron/main/secrets/token-storage-prompt'
import type { UserPrompt } from '../../../../electron/main/dialogs/ask-user'
import { makeTempDir } from '../../../support/temp-dir'

/** safeStorage as Electron behaves on Linux: available with a keyring or with the fixed-key fallback. */
function linuxSafeStorage(backend: string, available = true): SafeStorageLike {
  return {
    isEncryptionAvailable: () => available,
    encryptString: (plain) => Buffer.concat([Buffer.from('v11'), Buffer.from(plain).reverse()]),
    decryptString: (encrypted) => Buffer.from(encrypted.subarray(3)).reverse().toString(),
    getSelectedStorageBackend: () => backend,
  }
}

const temps: Array<{ cleanup(): void }> = []
afterEach(() => temps.splice(0).forEach((temp) => temp.cleanup()))
function dataDir(): string {
  const temp = makeTempDir('notes-rag-token-')
  temps.push(temp)
  return temp.dir
}

describe('keychainKind', () => {
  const cases: Array<[string, SafeStorageLike, NodeJS.Platform, ReturnType<typeof keychainKind>]> = [
    ['linux with libsecret', linuxSafeStorage('gnome_libsecret'), 'linux', 'os-keychain'],
    ['linux with kwallet', linuxSafeStorage('kwallet5'), 'linux', 'os-keychain'],
    ['linux without a keyring', linuxSafeStorage('basic_text'), 'linux', 'fixed-key'],
    ['nothing available', linuxSafeStorage('basic_text', false), 'linux', 'unavailable'],
    ['macOS (no backend method)', { ...linuxSafeStorage(''), getSelectedStorageBackend: undefined }, 'darwin', 'os-keychain'],
  ]
  for (const [name, storage, platform, expected] of cases) it(name, () => expect(keychainKind(storage, platform)).toBe(expected))
})

describe('asking before a token is stored without a keychain', () => {
  const answering = (...answers: number[]) => {
    const asked: UserPrompt[] = []
    return { asked, ask: async (prompt: UserPrompt) => (asked.push(prompt), answers.shift() ?? prompt.cancelId) }
  }

  it('asks nothing with an OS keychain and stores the token encrypted', async () => {
    const dir = dataDir()
    const store = new GatewayTokenStore(dir, linuxSafeStorage('gnome_libsecret'), 'linux')
    const { asked, ask } = answering()
    expect(await setGatewayTokenAsked('sk-1', store, ask)).toEqual({ hasToken: true, changed: true })
    expect(asked).toEqual([])
    expect(fs.readFileSync(path.join(dir, GATEWAY_TOKEN_FILE)).includes(Buffer.from('sk-1'))).toBe(false)
    expect(new GatewayTokenStore(dir, linuxSafeStorage('gnome_libsecret'), 'linux').get()).toBe('sk-1')
  })

  it('with the fixed-key fallback, warns; "session only" keeps the token in memory and writes nothing', async () => {
    const dir = dataDir()
    const store = new GatewayTokenStore(dir, linuxSafeStorage('basic_text'), 'linux')
    const { asked, ask } = answering(0)
    expect(await setGatewayTokenAsked('sk-session', store, ask)).toEqual({ hasToken: true, changed: true })
    expect(asked[0]).toMatchObject({ type: 'warning', buttons: ['Keep for this session only', 'Store anyway', 'Cancel'], defaultId: 0 })
    expect(asked[0]!.detail).toMatch(/fixed key/)
    expect(store.get()).toBe('sk-session')
    expect(store.sessionOnly).toBe(true)
    expect(fs.readdirSync(dir)).toEqual([])
    // The next start (a new store on the same data dir) has no token.
    expect(new GatewayTokenStore(dir, linuxSafeStorage('basic_text'), 'linux').get()).toBeNull()
  })

  it('"store anyway" stores it; "cancel" (or closing the dialog) keeps the previous token', async () => {
    const dir = dataDir()
    const store = new GatewayTokenStore(dir, linuxSafeStorage('basic_text'), 'linux')
    expect(await setGatewayTokenAsked('sk-stored', store, answering(1).ask)).toEqual({ hasToken: true, changed: true })
    expect(fs.existsSync(path.join(dir, GATEWAY_TOKEN_FILE))).toBe(true)
    expect(await setGatewayTokenAsked('sk-other', store, answering(2).ask)).toEqual({ hasToken: true, changed: false })
    expect(store.get()).toBe('sk-stored')
  })

  it('a session-only token replaces a stored one on disk too', async () => {
    const dir = dataDir()
    const store = new GatewayTokenStore(dir, linuxSafeStorage('basic_text'), 'linux')
    await setGatewayTokenAsked('sk-old', store, answering(1).ask)
    await setGatewayTokenAsked('sk-new', store, answering(0).ask)
    expect(store.get()).toBe('sk-new')
    expect(fs.existsSync(path.join(dir, GATEWAY_TOKEN_FILE))).toBe(false)
  })

  it('with no encryption at all, offers only the session or cancel', async () => {
    const store = new GatewayTokenStore(dataDir(), linuxSafeStorage('basic_text', false), 'linux')
    expect(tokenStoragePrompt('unavailable')!.buttons).toEqual(['Keep for this session only', 'Cancel'])
    expect(await chooseTokenStorage('unavailable', async () => 1)).toBe('cancel')
    expect(await setGatewayTokenAsked('sk-x', store, answering(0).ask)).toEqual({ hasToken: true, changed: true })
    expect(() => store.set('sk-y')).toThrow(/keychain is not available/)
  })

  it('clearing needs no question; a non-string is refused without touching the token', async () => {
    const store = new GatewayTokenStore(dataDir(), linuxSafeStorage('basic_text'), 'linux')
    await setGatewayTokenAsked('sk-a', store, answering(0).ask)
    await expect(setGatewayTokenAsked(42, store, answering().ask)).rejects.toMatchObject({ code: 'invalid-input' })
    expect(store.get()).toBe('sk-a')
    const { asked, ask } = answering()
    expect(await setGatewayTokenAsked(null, store, ask)).toEqual({ hasToken: false, changed: true })
    expect(asked).toEqual([])
  })
})
