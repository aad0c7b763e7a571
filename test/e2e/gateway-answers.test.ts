import { writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ARTIFACTS_DIR, browserUnavailableReason, launchBrowser } from '../support/browser'
import { startFakeGateway, type FakeGateway } from '../support/fake-gateway'
import { waitFor } from '../support/temp-dir'
import { startAppHarness, type AppHarness } from './app-harness'

const skipReason = browserUnavailableReason()
if (skipReason) console.warn(`[e2e] gateway tests skipped: ${skipReason}`)

const REPLY = 'You planted tomatoes and basil in the raised bed [1]. ' + 'The bed was built from spare planks, and the garden kept growing week after week. '.repeat(6)

describe.skipIf(skipReason !== null)('gateway answers in the chat window', () => {
  let gateway: FakeGateway
  let harness: AppHarness
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    // Slow enough streaming that Esc lands mid-answer: ~80 chunks, 40 ms apart.
    gateway = await startFakeGateway({ token: 'test-token', reply: () => REPLY, chunkCharacters: 6, chunkDelayMs: 40 })
    ;[harness, browser] = await Promise.all([
      startAppHarness({
        chatModel: 'installed',
        folder: 'preset',
        weeks: 16,
        settings: { routing: { policy: 'prefer-gateway' }, gateway: { baseUrl: gateway.url, probeTimeoutMs: 1000 } },
      }),
      launchBrowser(),
    ])
    await waitFor(async () => (await harness.engine.call('getStatus', [])).phase.type === 'ready', { timeoutMs: 60_000, what: 'first index pass' })
    page = await browser.newPage({ viewport: { width: 1200, height: 780 } })
    await page.goto(`${harness.bridge.url}chat.html`)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await harness?.close()
    await gateway?.close()
  })

  it('takes the gateway token in Settings and shows the gateway reachable', async () => {
    const status = page.getByRole('status', { name: 'Status' })
    await status.getByText('Gateway token refused').waitFor({ timeout: 20_000 })
    await page.getByRole('button', { name: 'Settings' }).click()
    const settings = page.getByRole('dialog', { name: 'Settings' })
    await settings.getByLabel('Token').fill('test-token')
    await settings.getByRole('button', { name: 'Save and test' }).click()
    await status.getByText(/^Gateway \d+ ms$/).waitFor({ timeout: 20_000 })
    expect(gateway.requests.at(-1)!.authorization).toBe('Bearer test-token')
    await settings.getByRole('button', { name: 'Close settings' }).click()
  })

  it('streams a gateway answer with a citation chip that opens its passage', async () => {
    const input = page.getByRole('textbox', { name: 'Ask your notes' })
    await input.fill('what did I plant in the garden?')
    await input.press('Enter')
    const answer = page.locator('.message-assistant').last()
    await answer.locator('.backend-gateway').waitFor({ timeout: 30_000 })
    expect(await answer.locator('.backend-badge').textContent()).toMatch(/^Gateway · (small|large)$/)
    expect(await answer.locator('.answer-body').textContent()).toBe(REPLY.replace('[1]', '1'))
    // Only the cited passage is listed (one note, one passage number) until the user asks for all of them.
    const sources = answer.getByLabel('Sources')
    expect(await sources.locator('.source-note').count()).toBe(1)
    expect(await sources.locator('.source-number').count()).toBe(1)
    await answer.getByRole('button', { name: /^All \d+ passages given to the model$/ }).click()
    expect(await sources.locator('.source-number').count()).toBeGreaterThan(1)
    await answer.locator('.citation-chip').click()
    const panel = page.getByRole('complementary', { name: 'Source 1' })
    await panel.waitFor()
    expect(await panel.locator('.source-text').textContent()).toMatch(/\S/)
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'chat-gateway-light.png') })
  })

  it('Esc stops a streaming answer and keeps its partial text', async () => {
    const input = page.getByRole('textbox', { name: 'Ask your notes' })
    await input.fill('tell me everything about the garden')
    await input.press('Enter')
    const answer = page.locator('.message-assistant').last()
    await page.getByRole('button', { name: 'Stop' }).waitFor()
    await expect.poll(async () => ((await answer.locator('.answer-body').textContent()) ?? '').length, { timeout: 20_000 }).toBeGreaterThan(30)
    await page.keyboard.press('Escape')
    await answer.getByText('stopped').waitFor({ timeout: 20_000 })
    const partial = (await answer.locator('.answer-body').textContent()) ?? ''
    expect(partial.length).toBeGreaterThan(30)
    expect(partial.length).toBeLessThan(REPLY.length - 60)
    await page.getByRole('button', { name: 'Ask' }).waitFor()
  })

  it('follows a streaming answer only once the user scrolls to the bottom themselves, and stops when they scroll up', { timeout: 60_000 }, async () => {
    // A long answer in a low window, so it streams past the bottom for a few seconds.
    gateway.setReply(() => 'The garden kept growing week after week, tomatoes first and basil after [1]. '.repeat(50))
    await page.setViewportSize({ width: 800, height: 480 })
    // The passage opened by an earlier test would cover the list in a window this narrow: the wheel must reach the list.
    const closeSource = page.getByRole('button', { name: 'Close source' })
    if (await closeSource.isVisible()) await closeSource.click()
    const scroller = page.locator('.messages')
    const position = () => scroller.evaluate((element) => ({ top: element.scrollTop, height: element.scrollHeight, gap: element.scrollHeight - element.scrollTop - element.clientHeight }))
    const input = page.getByRole('textbox', { name: 'Ask your notes' })
    await input.fill('how did the garden grow over the weeks?')
    await input.press('Enter')
    const answer = page.locator('.message-assistant').last()
    await expect.poll(async () => ((await answer.locator('.answer-body').textContent()) ?? '').length, { timeout: 20_000 }).toBeGreaterThan(200)
    // Not followed: the view stays at the question while the answer grows below it.
    const before = await position()
    await expect.poll(async () => (await position()).height, { timeout: 10_000 }).toBeGreaterThan(before.height + 100)
    const later = await position()
    expect(later.top).toBe(before.top)
    expect(later.gap).toBeGreaterThan(100)
    // The user scrolls to the end: from then on the view keeps up with the stream.
    const box = (await scroller.boundingBox())!
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    // Just past the end, as a hand on a wheel does (a huge delta keeps the smooth scroll pulling down for a while).
    await page.mouse.wheel(0, (await position()).gap + 60)
    await expect.poll(async () => (await position()).gap).toBeLessThanOrEqual(48)
    const atBottom = await position()
    await expect.poll(async () => (await position()).height, { timeout: 10_000 }).toBeGreaterThan(atBottom.height + 100)
    await expect.poll(async () => (await position()).gap).toBeLessThanOrEqual(48)
    // Scrolling up stops following again: the view stays where the user put it while the answer grows below.
    await page.mouse.wheel(0, -240)
    await expect.poll(async () => (await position()).gap).toBeGreaterThan(150)
    // The wheel scrolls smoothly: wait until the view has come to rest before taking its place.
    let resting = await position()
    await expect
      .poll(async () => {
        const now = await position()
        const still = now.top === resting.top
        resting = now
        return still
      })
      .toBe(true)
    await expect.poll(async () => (await position()).height, { timeout: 10_000 }).toBeGreaterThan(resting.height + 150)
    // Not followed: the end moves away from the view as the answer grows (scroll anchoring may shift the offset a
    // little to keep the lines in view still, so the distance to the end is what tells).
    expect((await position()).gap).toBeGreaterThan(resting.gap + 100)
    expect(await answer.getAttribute('aria-busy')).toBe('true')
    await page.keyboard.press('Escape')
    await expect.poll(() => answer.getAttribute('aria-busy'), { timeout: 20_000 }).toBe('false')
    gateway.setReply(() => REPLY)
    await page.setViewportSize({ width: 1200, height: 780 })
  })

  it('counts files that could not be indexed and lists why on click', async () => {
    // Bytes that are not UTF-8: the indexer reports the file instead of indexing garbage.
    writeFileSync(path.join(harness.folder, '2024', 'broken.md'), Buffer.from([0x23, 0x20, 0xff, 0xfe, 0xc3, 0x28, 0x0a, 0x00, 0x01]))
    const status = page.getByRole('status', { name: 'Status' })
    const errors = status.getByRole('button', { name: '1 file not indexed' })
    await errors.waitFor({ timeout: 30_000 })
    await errors.click()
    const popover = page.getByRole('dialog', { name: 'Files not indexed' })
    await popover.locator('code', { hasText: '2024/broken.md' }).waitFor()
    const snapshot = await harness.engine.call('getStatus', [])
    expect(snapshot.errors.map((error) => error.path)).toEqual(['2024/broken.md'])
    expect(await popover.textContent()).toContain(snapshot.errors[0].message)
  })
})
