import fs from 'node:fs'
import path from 'node:path'
import { BrainError } from '../../../shared/errors'

/** The encrypted token's file in the data dir; never settings.json, which is plain text. */
export const GATEWAY_TOKEN_FILE = 'gateway-token.bin'

/** The part of Electron's `safeStorage` the store uses (passed in, so the store runs and is tested without Electron). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean
  encryptString(plain: string): Buffer
  decryptString(encrypted: Buffer): string
  /** Linux only: 'basic_text' when no keyring was found and a fixed, built-in key is used. */
  getSelectedStorageBackend?(): string
}

/**
 * How well a stored token is protected: `os-keychain` (Keychain, DPAPI, libsecret, kwallet), `fixed-key` (Linux
 * without a keyring: Electron encrypts with a hard-coded password, so anyone who can read the file can read the
 * token), or `unavailable` (nothing can be encrypted).
 */
export type KeychainKind = 'os-keychain' | 'fixed-key' | 'unavailable'

export function keychainKind(safeStorage: SafeStorageLike, platform: NodeJS.Platform = process.platform): KeychainKind {
  if (!safeStorage.isEncryptionAvailable()) return 'unavailable'
  if (platform === 'linux' && typeof safeStorage.getSelectedStorageBackend === 'function') {
    const backend = safeStorage.getSelectedStorageBackend()
    if (backend === 'basic_text' || backend === 'unknown') return 'fixed-key'
  }
  return 'os-keychain'
}

/**
 * Keeps the gateway token encrypted with Electron safeStorage, or (when the user chose so, typically without a
 * keychain) in memory for this session only.
 */
export class GatewayTokenStore {
  private readonly file: string
  private sessionToken: string | null = null

  constructor(
    dataDir: string,
    private readonly safeStorage: SafeStorageLike,
    private readonly platform: NodeJS.Platform = process.platform,
  ) {
    this.file = path.join(dataDir, GATEWAY_TOKEN_FILE)
  }

  /** How a token stored now would be protected. */
  get keychain(): KeychainKind {
    return keychainKind(this.safeStorage, this.platform)
  }

  /**
   * Stores or (with null or an empty string) clears the token. `sessionOnly` keeps it in memory until the app quits
   * and removes any stored one, so an old token never comes back at the next start.
   */
  set(token: string | null, options: { sessionOnly?: boolean } = {}): void {
    const value = token?.trim() ?? ''
    this.sessionToken = null
    if (value === '' || options.sessionOnly) {
      fs.rmSync(this.file, { force: true })
      if (value !== '') this.sessionToken = value
      return
    }
    if (!this.safeStorage.isEncryptionAvailable()) {
      throw new BrainError('internal', 'The system keychain is not available, so the token cannot be stored safely. Keep it for this session only, or set NOTES_RAG_GATEWAY_TOKEN instead.', {
        retryable: false,
      })
    }
    const encrypted = this.safeStorage.encryptString(value)
    fs.mkdirSync(path.dirname(this.file), { recursive: true })
    // Write then rename, so a crash never leaves half a ciphertext; 0600 keeps other users out.
    const temporary = `${this.file}.${process.pid}.tmp`
    fs.writeFileSync(temporary, encrypted, { mode: 0o600 })
    fs.renameSync(temporary, this.file)
  }

  /** The token: this session's, else the decrypted stored one; null when none or it cannot be decrypted. */
  get(): string | null {
    if (this.sessionToken !== null) return this.sessionToken
    let encrypted: Buffer
    try {
      encrypted = fs.readFileSync(this.file)
    } catch {
      return null
    }
    if (!this.safeStorage.isEncryptionAvailable()) return null
    try {
      return this.safeStorage.decryptString(encrypted)
    } catch (error) {
      console.warn('[gateway-token] stored token cannot be decrypted; ignoring it', error)
      return null
    }
  }

  has(): boolean {
    return this.get() !== null
  }

  /** True when the token lives only in memory (it is gone when the app quits). */
  get sessionOnly(): boolean {
    return this.sessionToken !== null
  }
}
