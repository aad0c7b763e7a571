import { pathToFileURL } from 'node:url'
import path from 'node:path'

/** The two pages the renderer build produces (renderer/vite.config.ts inputs). */
export type RendererPage = 'chat' | 'quick-search'

/** Where the renderer is served from: the electron-vite dev server, or the built files in out/renderer. */
export interface RendererLocation {
  devServerUrl: string | null
  /** Absolute folder holding chat.html and quick-search.html. */
  rendererDir: string
}

/** How a window loads a page: `loadURL` for the dev server, `loadFile` for the build. */
export type RendererEntry = { kind: 'url'; url: string } | { kind: 'file'; file: string }

export function rendererEntry(location: RendererLocation, page: RendererPage): RendererEntry {
  if (location.devServerUrl) return { kind: 'url', url: new URL(`${page}.html`, withSlash(location.devServerUrl)).href }
  return { kind: 'file', file: path.join(location.rendererDir, `${page}.html`) }
}

/** True only for our own pages: the dev server's origin, or a file inside the built renderer folder. */
export function isTrustedRendererUrl(location: RendererLocation, url: string): boolean {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return false
  }
  if (location.devServerUrl) {
    if (parsed.origin === new URL(location.devServerUrl).origin) return true
  }
  if (parsed.protocol !== 'file:') return false
  const base = pathToFileURL(withSeparator(location.rendererDir)).href
  // Compare normalised file URLs so `..` segments cannot step outside the renderer folder.
  return `${parsed.origin === 'null' ? 'file://' : parsed.origin}${parsed.pathname}`.startsWith(base)
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`
}

function withSeparator(dir: string): string {
  return dir.endsWith(path.sep) ? dir : `${dir}${path.sep}`
}
