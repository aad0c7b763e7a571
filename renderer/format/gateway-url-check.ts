/** What the settings say about a typed gateway URL before it is saved. */
export type GatewayUrlCheck =
  | { type: 'empty' }
  | { type: 'ok' }
  | { type: 'invalid'; message: string }
  /** `http://` to a host other than this computer: the token and the notes' passages would cross the network unencrypted. */
  | { type: 'insecure'; host: string }

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i

export function checkGatewayUrl(value: string): GatewayUrlCheck {
  const text = value.trim()
  if (!text) return { type: 'empty' }
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return { type: 'invalid', message: 'This is not a web address. It looks like https://llm.homelab.lan/v1.' }
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { type: 'invalid', message: 'The gateway address must start with https:// (or http:// on this computer).' }
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname)) return { type: 'insecure', host: url.hostname }
  return { type: 'ok' }
}
