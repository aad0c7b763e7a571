import { shell, type BrowserWindow, type Session, type WebPreferences } from 'electron'
import { isTrustedRendererUrl, type RendererLocation } from './renderer-location'

/** webPreferences every window gets: the renderer is untrusted content that only talks through the preload. */
export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: true,
  }
}

/** Only web links leave the app, and only to the user's browser; file:, javascript: and custom schemes never do. */
export function isExternalWebUrl(url: string): boolean {
  try {
    const protocol = new URL(url).protocol
    return protocol === 'https:' || protocol === 'http:'
  } catch {
    return false
  }
}

/** Blocks navigation away from our pages and new windows; web links open in the default browser instead. */
export function restrictNavigation(window: BrowserWindow, location: RendererLocation): void {
  const contents = window.webContents
  contents.on('will-navigate', (event, url) => {
    if (isTrustedRendererUrl(location, url)) return
    event.preventDefault()
    if (isExternalWebUrl(url)) void shell.openExternal(url)
  })
  contents.on('will-redirect', (event, url) => {
    if (!isTrustedRendererUrl(location, url)) event.preventDefault()
  })
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalWebUrl(url)) void shell.openExternal(url)
    return { action: 'deny' }
  })
}

/** The Content-Security-Policy of the renderer; dev adds what Vite's HMR client and React refresh need. */
export function contentSecurityPolicy(location: RendererLocation): string {
  const dev = location.devServerUrl ? new URL(location.devServerUrl) : null
  const devSocket = dev ? ` ws://${dev.host}` : ''
  return [
    "default-src 'self'",
    `script-src 'self'${dev ? " 'unsafe-inline'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src 'self'${devSocket}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

/** Adds the CSP header to every response of our renderer (and denies every permission request). */
export function installContentSecurityPolicy(session: Session, location: RendererLocation): void {
  const policy = contentSecurityPolicy(location)
  session.webRequest.onHeadersReceived((details, callback) => {
    if (!isTrustedRendererUrl(location, details.url)) {
      callback({ responseHeaders: details.responseHeaders })
      return
    }
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [policy] } })
  })
  // No camera, notifications or geolocation: the app never needs them.
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
}
