import { BrainError } from '../../../shared/errors'
import type { AskUser, UserPrompt } from '../dialogs/ask-user'
import type { GatewayTokenStore, KeychainKind } from './gateway-token-store'

/** What to do with a new token: store it, keep it in memory until the app quits, or not take it at all. */
export type TokenStorageChoice = 'store' | 'session' | 'cancel'

/** The warning shown when no OS keychain protects a stored token; null when there is one (no question). */
export function tokenStoragePrompt(keychain: KeychainKind): UserPrompt | null {
  if (keychain === 'os-keychain') return null
  const detail =
    keychain === 'fixed-key'
      ? 'No keyring (GNOME Keyring, KWallet) was found, so Electron would encrypt the token with a fixed key that anyone who can read your files can undo. Keep it in memory for this session only (enter it again after a restart), or store it anyway.'
      : 'No system keychain is available, so the token cannot be stored. It can be kept in memory for this session only (enter it again after a restart), or set NOTES_RAG_GATEWAY_TOKEN.'
  return {
    type: 'warning',
    title: 'Gateway token',
    message: 'Your gateway token cannot be kept in a system keychain',
    detail,
    buttons: keychain === 'fixed-key' ? ['Keep for this session only', 'Store anyway', 'Cancel'] : ['Keep for this session only', 'Cancel'],
    defaultId: 0,
    cancelId: keychain === 'fixed-key' ? 2 : 1,
  }
}

export async function chooseTokenStorage(keychain: KeychainKind, ask: AskUser): Promise<TokenStorageChoice> {
  const prompt = tokenStoragePrompt(keychain)
  if (!prompt) return 'store'
  const answer = await ask(prompt)
  if (answer === 0) return 'session'
  if (keychain === 'fixed-key' && answer === 1) return 'store'
  return 'cancel'
}

/**
 * Sets (or with null clears) the gateway token, asking first when no OS keychain would protect it. Returns
 * whether a token is set afterwards (a cancelled question leaves the previous one).
 */
export async function setGatewayTokenAsked(token: unknown, store: GatewayTokenStore, ask: AskUser): Promise<{ hasToken: boolean; changed: boolean }> {
  // Anything but a string or null is a bug in the caller: never let it silently clear the stored token.
  if (token !== null && typeof token !== 'string') {
    throw new BrainError('invalid-input', 'The gateway token must be a string or null.')
  }
  if (token === null || token.trim() === '') {
    store.set(null)
    return { hasToken: false, changed: true }
  }
  const choice = await chooseTokenStorage(store.keychain, ask)
  if (choice === 'cancel') return { hasToken: store.has(), changed: false }
  store.set(token, { sessionOnly: choice === 'session' })
  return { hasToken: store.has(), changed: true }
}
