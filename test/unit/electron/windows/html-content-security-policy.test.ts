import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it, vi } from 'vitest'

vi.mock('electron', async () => (await import('../../../support/electron-mock')).electronModule)
const { contentSecurityPolicy } = await import('../../../../electron/main/windows/window-security')

/** Directives a `<meta>` CSP cannot carry (the browser ignores them there); only the header has them. */
const HEADER_ONLY = new Set(['frame-ancestors', 'report-uri', 'sandbox'])

function directives(policy: string): Map<string, string[]> {
  const map = new Map<string, string[]>()
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/)
    if (name) map.set(name.toLowerCase(), sources.sort())
  }
  return map
}

function metaPolicy(page: string): string {
  const html = fs.readFileSync(path.resolve('renderer', page), 'utf8')
  const match = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html)
  if (!match) throw new Error(`${page} has no CSP <meta>`)
  return match[1]!
}

describe('the CSP <meta> of each page is the header main sends', () => {
  const header = directives(contentSecurityPolicy({ devServerUrl: null, rendererDir: '/app/out/renderer' }))
  for (const page of ['chat.html', 'quick-search.html']) {
    it(page, () => {
      const meta = directives(metaPolicy(page))
      const expected = new Map([...header].filter(([name]) => !HEADER_ONLY.has(name)))
      // Same directives with the same sources: nothing missing (a missing one falls back to default-src or to
      // nothing at all), nothing wider (an extra source would be allowed whenever the header is absent).
      expect(Object.fromEntries(meta)).toEqual(Object.fromEntries(expected))
    })
  }

  it('the comparison notices a weaker page', () => {
    const weaker = directives("default-src 'self'; script-src 'self'; connect-src 'self' ws://127.0.0.1:*")
    expect(Object.fromEntries(weaker)).not.toEqual(Object.fromEntries([...header].filter(([name]) => !HEADER_ONLY.has(name))))
  })
})
