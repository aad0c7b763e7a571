import os from 'node:os'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ARTIFACTS_DIR, browserUnavailableReason, launchBrowser } from '../support/browser'
import { waitFor } from '../support/temp-dir'
import { startAppHarness, type AppHarness } from './app-harness'

const skipReason = browserUnavailableReason()
if (skipReason) console.warn(`[e2e] quick-search tests skipped: ${skipReason}`)

describe.skipIf(skipReason !== null)('quick-search window in Chromium over the real engine', () => {
  let harness: AppHarness
  let browser: Browser
  let context: BrowserContext
  let quick: Page
  let chat: Page
  const searches: string[] = []

  beforeAll(async () => {
    ;[harness, browser] = await Promise.all([startAppHarness({ chatModel: 'installed', folder: 'preset', weeks: 24 }), launchBrowser()])
    await waitFor(async () => (await harness.engine.call('getStatus', [])).phase.type === 'ready', { timeoutMs: 60_000, what: 'first index pass' })
    context = await browser.newContext({ colorScheme: 'light' })
    chat = await context.newPage()
    await chat.goto(`${harness.bridge.url}chat.html`)
    quick = await context.newPage()
    await quick.setViewportSize({ width: 720, height: 460 })
    quick.on('websocket', (socket) =>
      socket.on('framesent', ({ payload }) => {
        const message = JSON.parse(String(payload))
        if (message.method === 'search') searches.push(message.args[0])
      }),
    )
    await quick.goto(`${harness.bridge.url}quick-search.html`)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await harness?.close()
  })

  it('searches as you type, throttled, and shows the latest query', async () => {
    const input = quick.getByRole('combobox', { name: 'Search your notes' })
    await expect(input.evaluate((element) => element === document.activeElement)).resolves.toBe(true)
    const typingStart = performance.now()
    await input.pressSequentially('garden tomatoes', { delay: 15 })
    const typingMs = performance.now() - typingStart
    const results = quick.getByRole('listbox', { name: 'Results' }).getByRole('option')
    await results.first().waitFor()
    await expect.poll(() => searches.at(-1)).toBe('garden tomatoes')
    await expect.poll(() => quick.getByRole('listbox', { name: 'Results' }).getAttribute('data-query')).toBe('garden tomatoes')
    // The first keystroke searches at once; after that at most one search starts per 50 ms, plus the trailing one.
    expect(searches[0]).toBe('g')
    expect(searches.length).toBeLessThanOrEqual(Math.floor(typingMs / 50) + 2)
    // With the embedding model loaded these are hybrid results: no keyword-only label.
    expect(await quick.locator('.chip-keyword').count()).toBe(0)

    const first = results.first()
    // The week heads its group of rows; a row itself says "Title › heading".
    expect(await quick.locator('.hit-week').first().textContent()).toMatch(/^\d{1,2}.* 2024$/)
    expect(await first.locator('.hit-heading').textContent()).toMatch(/Garden/)
    const marked = await first.locator('.hit-snippet mark').allTextContents()
    expect(marked.map((text) => text.toLowerCase())).toEqual(expect.arrayContaining(['tomatoes']))
    await quick.screenshot({ path: path.join(ARTIFACTS_DIR, 'quick-search-light.png') })
  })

  it('keeps the previous rows on screen while the next query is searched, at most eight of them', async () => {
    const input = quick.getByRole('combobox', { name: 'Search your notes' })
    const list = quick.getByRole('listbox', { name: 'Results' })
    await list.evaluate((element) => {
      const state = window as unknown as { fewestRows: number }
      state.fewestRows = element.children.length
      new MutationObserver(() => {
        state.fewestRows = Math.min(state.fewestRows, element.children.length)
      }).observe(element, { childList: true })
    })
    await input.pressSequentially(' basil raised bed', { delay: 90 })
    await expect.poll(() => list.getAttribute('data-query')).toBe('garden tomatoes basil raised bed')
    expect(await quick.evaluate(() => (window as unknown as { fewestRows: number }).fewestRows)).toBeGreaterThan(0)
    const rows = await list.getByRole('option').count()
    expect(rows).toBeGreaterThan(0)
    expect(rows).toBeLessThanOrEqual(8)
  })

  it('shows the understood period as a chip', async () => {
    const input = quick.getByRole('combobox', { name: 'Search your notes' })
    await input.fill('kafka in march 2024')
    const chip = quick.locator('.chip-period')
    await chip.waitFor()
    expect(await chip.textContent()).toMatch(/March 2024/i)
    const periods = await quick.locator('.hit-period').allTextContents()
    expect(periods.length).toBeGreaterThan(0)
    for (const period of periods) expect(period).toMatch(/(Feb|Mar|Apr) 2024$/)
  })

  it('moves with Up/Down, previews with Tab, opens with Enter, hides with Esc', async () => {
    const input = quick.getByRole('combobox', { name: 'Search your notes' })
    await input.fill('kafka')
    const options = quick.getByRole('option')
    await expect.poll(async () => (await options.count()) > 2).toBe(true)
    await expect.poll(() => quick.locator('.chip-period').count()).toBe(0)
    expect(await options.nth(0).getAttribute('aria-selected')).toBe('true')
    await input.press('ArrowDown')
    await input.press('ArrowDown')
    expect(await options.nth(2).getAttribute('aria-selected')).toBe('true')
    await input.press('ArrowUp')
    expect(await options.nth(1).getAttribute('aria-selected')).toBe('true')
    expect(await input.getAttribute('aria-activedescendant')).toBe('quick-hit-1')
    // The best hit comes first; the rest of its week follows it under the same week heading.
    expect((await options.nth(0).locator('mark').allTextContents()).map((word) => word.toLowerCase())).toContain('kafka')

    await input.press('Tab')
    const preview = quick.getByRole('region', { name: 'Passage preview' })
    await preview.waitFor()
    // The preview is the selected row's passage, rendered.
    expect(await preview.locator('.preview-title').textContent()).toBe(await options.nth(1).locator('.hit-heading').textContent())
    expect((await preview.locator('.source-text').textContent())!.length).toBeGreaterThan(10)
    const previewPath = (await preview.locator('.source-path').textContent())!.split(' · ')[0]
    await quick.screenshot({ path: path.join(ARTIFACTS_DIR, 'quick-search-preview.png') })

    await input.press('Enter')
    await expect.poll(() => harness.opened.length).toBe(1)
    expect(harness.opened[0].path).toBe(previewPath)

    await input.press('Escape') // closes the preview first
    await preview.waitFor({ state: 'detached' })
    await input.press('Escape')
    await expect.poll(() => harness.hides).toBe(1)
    expect(await input.inputValue()).toBe('')
  })

  it('Ctrl+Enter hands the question to the chat window, which asks it', async () => {
    const input = quick.getByRole('combobox', { name: 'Search your notes' })
    await input.fill('what happened with the postgres upgrade?')
    await input.press('Control+Enter')
    await expect.poll(() => harness.hides).toBe(2)
    await chat.locator('.message-user').getByText('what happened with the postgres upgrade?').waitFor({ timeout: 30_000 })
    await chat.locator('.message-assistant .backend-local').waitFor({ timeout: 60_000 })
    const conversations = await harness.engine.call('listConversations', [])
    expect(conversations.map((item) => item.title)).toContain('what happened with the postgres upgrade?')
  })
})

describe.skipIf(skipReason !== null)('quick-search window when the engine has no embedding model', () => {
  let harness: AppHarness
  let browser: Browser
  let quick: Page

  beforeAll(async () => {
    const missingModel = path.join(os.tmpdir(), 'notes-rag-no-such-embedding-model')
    ;[harness, browser] = await Promise.all([
      startAppHarness({ chatModel: 'installed', folder: 'preset', weeks: 8, settings: { embedding: { model: missingModel, allowDownload: false } } }),
      launchBrowser(),
    ])
    await waitFor(async () => (await harness.engine.call('getStatus', [])).phase.type === 'ready', { timeoutMs: 60_000, what: 'first index pass' })
    quick = await browser.newPage({ viewport: { width: 720, height: 460 } })
    await quick.goto(`${harness.bridge.url}quick-search.html`)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await harness?.close()
  })

  it('labels the results as keyword results and says why', async () => {
    expect(await harness.engine.call('getModelStatus', ['embedding'])).toMatchObject({ type: 'idle', installed: false })
    const input = quick.getByRole('combobox', { name: 'Search your notes' })
    await input.pressSequentially('tomatoes', { delay: 20 })
    await expect.poll(() => quick.getByRole('listbox', { name: 'Results' }).getAttribute('data-query')).toBe('tomatoes')
    const options = quick.getByRole('option')
    expect(await options.count()).toBeGreaterThan(0)
    expect((await options.first().locator('mark').allTextContents()).map((text) => text.toLowerCase())).toContain('tomatoes')
    const chip = quick.locator('.chip-keyword')
    expect(await chip.textContent()).toBe('keyword results')
    expect(await chip.getAttribute('title')).toMatch(/No embedding model is loaded/)
    await quick.screenshot({ path: path.join(ARTIFACTS_DIR, 'quick-search-keyword.png') })
  })
})
