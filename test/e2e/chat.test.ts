import fs from 'node:fs'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ARTIFACTS_DIR, browserUnavailableReason, launchBrowser } from '../support/browser'
import { startAppHarness, type AppHarness } from './app-harness'

const skipReason = browserUnavailableReason()
// Enough notes that the first pass lasts long enough to be seen in the status bar.
const WEEKS = 52
// The 190 KB tiny chat model takes about 3 s to arrive: long enough to cancel by hand, short enough to wait for.
const DOWNLOAD_RATE = 64 * 1024
if (skipReason) console.warn(`[e2e] chat tests skipped: ${skipReason}`)

/** Events the page received over the bridge, read from the real WebSocket frames. */
interface Frames {
  events: Array<{ event: string; payload: any }>
}

describe.skipIf(skipReason !== null)('chat window in Chromium over the real engine', () => {
  let harness: AppHarness
  let browser: Browser
  let page: Page
  const frames: Frames = { events: [] }
  /** Uncaught page errors and CSP violations: the built app must run under its strict policy without any. */
  const pageErrors: string[] = []

  beforeAll(async () => {
    ;[harness, browser] = await Promise.all([startAppHarness({ chatModel: 'download', folder: 'picked', weeks: WEEKS, downloadBytesPerSecond: DOWNLOAD_RATE }), launchBrowser()])
    page = await browser.newPage({ viewport: { width: 1200, height: 780 }, colorScheme: 'light' })
    page.on('pageerror', (error) => pageErrors.push(String(error)))
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content.Security.Policy|Refused to/i.test(message.text())) pageErrors.push(message.text())
    })
    page.on('websocket', (socket) => {
      socket.on('framereceived', ({ payload }) => {
        const message = JSON.parse(String(payload))
        if ('event' in message) frames.events.push(message)
      })
    })
    // Records every status-bar text as it changes, so a short indexing phase is still seen.
    await page.addInitScript(() => {
      const seen: string[] = []
      ;(window as unknown as { statusTexts: string[] }).statusTexts = seen
      new MutationObserver(() => {
        const text = document.querySelector('[aria-label="Status"]')?.textContent
        if (text && seen[seen.length - 1] !== text) seen.push(text)
      }).observe(document, { subtree: true, childList: true, characterData: true })
    })
    await page.goto(`${harness.bridge.url}chat.html`)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await harness?.close()
  })

  it('onboards: picks the folder, shows indexing progress, offers the models', async () => {
    const onboarding = page.getByRole('dialog', { name: 'Welcome to your second brain' })
    await onboarding.waitFor()
    await expect(onboarding.getByText('Choose your notes folder')).toBeTruthy()
    await onboarding.getByRole('button', { name: 'Choose folder…' }).click()
    await onboarding.getByText(harness.folder).waitFor()
    // The tiny embedding model is installed; the chat model is a URL not yet downloaded.
    await onboarding.locator('[data-model="embedding"]').getByText('Ready').waitFor()
    await onboarding.locator('[data-model="chat"]').getByRole('button', { name: 'Download' }).waitFor()
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'onboarding-light.png') })
    await onboarding.getByRole('button', { name: 'Start asking' }).click()
    await onboarding.waitFor({ state: 'detached' })

    const status = page.getByRole('status', { name: 'Status' })
    await status.getByText(`${WEEKS} notes`, { exact: false }).waitFor({ timeout: 30_000 })
    const texts = await page.evaluate(() => (window as unknown as { statusTexts: string[] }).statusTexts)
    // React may fold several snapshots that arrive in one burst into one render, so the first pass can show its
    // progress as either phase.
    expect(texts.some((text) => new RegExp(`Indexing \\d+ of ${WEEKS}|Embedding \\d+ of \\d+ passages`).test(text)), `status texts seen: ${texts.join(' | ')}`).toBe(true)
    const indexing = frames.events.filter((message) => message.event === 'index-status' && message.payload.phase.type === 'indexing')
    expect(indexing.length).toBeGreaterThan(0)
    expect(indexing.at(-1)!.payload.phase.total).toBe(WEEKS)
  })

  it('answers from retrieval alone before a model is installed, with titled passages that open the source', async () => {
    await expect(page.getByText(/No answer model yet/).isVisible()).resolves.toBe(true)
    const input = page.getByRole('textbox', { name: 'Ask your notes' })
    await input.fill('kafka consumer lag')
    await input.press('Enter')
    const answer = page.locator('.message-assistant').last()
    await answer.getByText('Retrieval only').waitFor({ timeout: 30_000 })
    // Passages alone have no first token: the time is the time to find them.
    await expect(answer.locator('.answer-timing').textContent()).resolves.toMatch(/^found in \d/)
    // The passages themselves are the answer: each titled, and its title opens the source.
    const titles = answer.locator('.passage-title')
    expect(await titles.count()).toBeGreaterThan(0)
    expect(await answer.locator('.passage-text mark').first().textContent()).toMatch(/kafka|consumer|lag/i)

    await titles.first().click()
    const panel = page.getByRole('complementary', { name: /^Source \d+$/ })
    await panel.waitFor()
    const panelPath = await panel.locator('.source-path').textContent()
    expect(panelPath).toMatch(/^2024\/2024-W\d\d\.md · lines? \d+(–\d+)?$/)
    expect(await panel.locator('.source-period').textContent()).toMatch(/^\d{1,2}(–\d{1,2})? \w{3}( – \d{1,2} \w{3})? 2024$/)
    expect((await panel.locator('.source-text').textContent())!.length).toBeGreaterThan(10)
    await panel.getByRole('button', { name: 'Open in editor' }).click()
    await expect.poll(() => harness.opened.length).toBe(1)
    expect(panelPath!.startsWith(harness.opened[0].path)).toBe(true)
    expect(panelPath).toMatch(new RegExp(`lines? ${harness.opened[0].line}(–|$)`))

    // The conversation was created and persisted by the engine, titled after the question.
    const conversations = await harness.engine.call('listConversations', [])
    expect(conversations.map((item) => item.title)).toEqual(['kafka consumer lag'])
    await page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: 'kafka consumer lag', exact: true }).waitFor()
  })

  it('cancels the chat model download: the transfer stops and the row says so', async () => {
    await page.getByRole('button', { name: 'Settings' }).click()
    const settings = page.getByRole('dialog', { name: 'Settings' })
    const chatRow = settings.locator('[data-model="chat"]')
    await chatRow.getByRole('button', { name: 'Download' }).click()
    await chatRow.getByRole('progressbar').waitFor()
    // The transfer is the ranged GETs. The downloader's first, unranged GET only probes the size and file name and
    // is left unread (with a large file it stalls at the socket buffers), so it says nothing about the cancel.
    const server = harness.fileServer!
    const sent = () => server.requests.filter((request) => request.method === 'GET' && request.range !== null).reduce((sum, request) => sum + request.bytesSent, 0)
    await expect.poll(sent).toBeGreaterThan(0)
    await chatRow.getByRole('button', { name: 'Cancel' }).click()

    await chatRow.getByRole('status').getByText('Download cancelled.').waitFor()
    await chatRow.getByRole('button', { name: 'Download' }).waitFor()
    expect(await chatRow.getByRole('progressbar').count()).toBe(0)
    expect(await chatRow.getByText('Ready').count()).toBe(0)
    expect(await harness.engine.call('getModelStatus', ['chat'])).toMatchObject({ type: 'idle', installed: false })
    const chatStatuses = () => frames.events.filter((message) => message.event === 'model-download' && message.payload.kind === 'chat').map((message) => message.payload.type)
    await expect.poll(() => chatStatuses().at(-1)).toBe('idle')
    expect(chatStatuses()).toContain('downloading')

    // The connection was really closed: the server stops sending short of the whole file (which a transfer left
    // running would reach within about 3 s).
    let settled = -1
    await expect
      .poll(async () => {
        const before = sent()
        await new Promise((resolve) => setTimeout(resolve, 600))
        settled = sent()
        return settled === before
      }, { timeout: 10_000 })
      .toBe(true)
    expect(settled).toBeLessThan(fs.statSync(harness.chatModelPath).size)
    await settings.getByRole('button', { name: 'Close settings' }).click()
    await settings.waitFor({ state: 'detached' })
  })

  it('downloads the chat model with progress, then streams a local answer', { timeout: 120_000 }, async () => {
    await page.getByRole('button', { name: 'Settings' }).click()
    const settings = page.getByRole('dialog', { name: 'Settings' })
    const chatRow = settings.locator('[data-model="chat"]')
    await chatRow.getByRole('button', { name: 'Download' }).click()
    await chatRow.getByText('Ready').waitFor({ timeout: 30_000 })
    const downloads = frames.events.filter((message) => message.event === 'model-download' && message.payload.kind === 'chat')
    expect(downloads.some((message) => message.payload.type === 'downloading')).toBe(true)
    await settings.getByRole('button', { name: 'Close settings' }).click()
    await page.getByText(/No answer model yet/).waitFor({ state: 'detached' })

    const before = frames.events.length
    const input = page.getByRole('textbox', { name: 'Ask your notes' })
    await input.fill('what did I plant in the garden?')
    await input.press('Enter')
    const answer = page.locator('.message-assistant').last()
    await answer.locator('.backend-local').waitFor({ timeout: 60_000 })
    expect(await answer.locator('.backend-badge').textContent()).toMatch(/^Local · tiny-chat/)
    expect(await answer.locator('.answer-timing').textContent()).toMatch(/^first token .+ · .+ total$/)
    const deltas = frames.events.slice(before).filter((message) => message.event === 'answer-delta')
    expect(deltas.length).toBeGreaterThan(1)
    const streamed = deltas.map((message) => message.payload.text).join('')
    const shown = await answer.locator('.answer-body').textContent()
    expect(streamed.length).toBeGreaterThan(0)
    expect(shown).toBe(streamed)

    // Sources given to the model are listed even when the (gibberish) tiny model cites none.
    const pills = answer.locator('.source-pill')
    expect(await pills.count()).toBeGreaterThan(0)
    await pills.first().click()
    await page.getByRole('complementary', { name: /^Source \d+$/ }).waitFor()
  })

  it('saves screenshots in light and dark themes', async () => {
    fs.mkdirSync(ARTIFACTS_DIR, { recursive: true })
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'chat-light.png') })
    await page.emulateMedia({ colorScheme: 'dark' })
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    expect(background).toBe('rgb(23, 24, 26)')
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'chat-dark.png') })
    await page.emulateMedia({ colorScheme: 'light' })
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(247, 247, 245)')
  })

  it('renames and deletes conversations through the engine', async () => {
    const nav = page.getByRole('navigation', { name: 'Conversations' })
    await nav.getByRole('button', { name: 'Rename kafka consumer lag' }).click({ force: true })
    const title = nav.getByRole('textbox', { name: 'Conversation title' })
    await title.fill('Kafka notes')
    await title.press('Enter')
    await nav.getByRole('button', { name: 'Kafka notes', exact: true }).waitFor()
    expect((await harness.engine.call('listConversations', [])).map((item) => item.title)).toEqual(['Kafka notes'])

    page.once('dialog', (dialog) => void dialog.accept())
    await nav.getByRole('button', { name: 'Delete Kafka notes' }).click({ force: true })
    await nav.getByText('Your conversations appear here.').waitFor()
    expect(await harness.engine.call('listConversations', [])).toEqual([])
    await page.getByRole('heading', { name: 'Ask your notes' }).waitFor()
  })

  it('saves settings from the settings panel: theme and gateway model', async () => {
    await page.getByRole('button', { name: 'Settings' }).click()
    const settings = page.getByRole('dialog', { name: 'Settings' })
    await settings.getByRole('combobox', { name: 'Theme' }).selectOption('dark')
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark')
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(23, 24, 26)')
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'settings-dark.png') })
    // Routing and threads are pinned by this run's overrides; the gateway model names are not.
    const large = settings.getByRole('textbox', { name: 'Large model' })
    await large.fill('qwen-72b')
    await large.blur()
    await expect.poll(async () => (await harness.engine.call('getSettings', [])).ui.theme).toBe('dark')
    await expect.poll(async () => (await harness.engine.call('getSettings', [])).gateway.largeModel).toBe('qwen-72b')
    await settings.getByRole('combobox', { name: 'Theme' }).selectOption('system')
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme ?? 'system')).toBe('system')
    await settings.press('Escape')
    await settings.waitFor({ state: 'detached' })
  })

  it('Ctrl+K searches the notes and opens the chosen passage', async () => {
    await page.keyboard.press('Control+k')
    const dialog = page.getByRole('dialog', { name: 'Search notes' })
    const box = dialog.getByRole('combobox', { name: 'Search notes' })
    await box.fill('basil')
    const options = dialog.getByRole('option')
    await options.first().waitFor()
    expect(await options.first().locator('mark').allTextContents()).toContain('basil')
    const openedBefore = harness.opened.length
    // Enter opens the passage, closes the dialog and says what was opened.
    await box.press('Enter')
    await expect.poll(() => harness.opened.length).toBe(openedBefore + 1)
    expect(harness.opened.at(-1)!.path).toMatch(/^2024\/2024-W\d\d\.md$/)
    await dialog.waitFor({ state: 'detached' })
    await page.getByRole('status').filter({ hasText: /^Opened .+ in your editor\.$/ }).waitFor()
  })

  it('shows the engine as restarting when the bridge goes away', async () => {
    await harness.bridge.close()
    await page.getByText(/The engine stopped and is restarting \(attempt \d+\)/).waitFor()
    expect(await page.getByRole('status', { name: 'Status' }).textContent()).toMatch(/Engine restarting/)
  })

  it('ran under the strict CSP without page errors', async () => {
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')
    expect(csp).toContain("script-src 'self';")
    expect(pageErrors).toEqual([])
  })
})
