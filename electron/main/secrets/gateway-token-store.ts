import fs from 'node:fs'
import path from 'node:path'
import { safeStorage } from 'electron'
import { BrainError } from '../../../shared/errors'

/** The encrypted token's file in the data dir; never settings.json, which is plain text. */
export const GATEWAY_TOKEN_FILE = 'gateway-token.bin'

/** Keeps the gateway token encrypted with Electron safeStorage (Keychain, DPAPI, libsecret/kwallet). */
export class GatewayTokenStore {
  private readonly file: string

  constructor(dataDir: string) {
    this.file = path.join(dataDir, GATEWAY_TOKEN_FILE)
  }

  /** Stores or (with null or an empty string) clears the token. */
  set(token: string | null): void {
    const value = token?.trim() ?? ''
    if (value === '') {
      fs.rmSync(this.file, { force: true })
      return
    }
    if (!safeStorage.isEncryptionAvailable()) {
      throw new BrainError('internal', 'The system keychain is not available, so the token cannot be stored safely. Set NOTES_RAG_GATEWAY_TOKEN instead.', {
        retryable: false,
      })
    }
    const encrypted = safeStorage.encryptString(value)
    fs.mkdirSync(path.dirname(this.file), { recursive: true })
    // Write then rename, so a crash never leaves half a ciphertext; 0600 keeps other users out.
    const temporary = `${this.file}.${process.pid}.tmp`
    fs.writeFileSync(temporary, encrypted, { mode: 0o600 })
    fs.renameSync(temporary, this.file)
  }

  /** The decrypted token, or null when none is stored or it cannot be decrypted (another user, a new keychain). */
  get(): string | null {
    let encrypted: Buffer
    try {
      encrypted = fs.readFileSync(this.file)
    } catch {
      return null
    }
    if (!safeStorage.isEncryptionAvailable()) return null
    try {
      return safeStorage.decryptString(encrypted)
    } catch (error) {
      console.warn('[gateway-token] stored token cannot be decrypted; ignoring it', error)
      return null
    }
  }

  has(): boolean {
    return this.get() !== null
  }
}
