import fs from 'node:fs'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ARTIFACTS_DIR, browserUnavailableReason, launchBrowser } from '../support/browser'
import { waitFor } from '../support/temp-dir'
import { startAppHarness, type AppHarness } from './app-harness'

const skipReason = browserUnavailableReason()
if (skipReason) console.warn(`[e2e] chat actions tests skipped: ${skipReason}`)

const WEEKS = 24
const SHOTS_DIR = path.join(ARTIFACTS_DIR, 'ui')

/**
 * The chat's actions beyond asking, in Chromium over the real engine: the MCP snippet in Settings, exporting a
 * conversation as markdown through the shell's save dialog, and the banner for removals the engine held back.
 */
describe.skipIf(skipReason !== null)('chat actions: MCP snippet, markdown export, held removals', () => {
  let harness: AppHarness
  let browser: Browser
  let context: BrowserContext
  let page: Page
  const pageErrors: string[] = []

  async function shoot(name: string): Promise<void> {
    for (const [width, height] of [
      [1280, 800],
      [800, 600],
    ] as const) {
      await page.setViewportSize({ width, height })
      for (const theme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: theme })
        // Buttons fade their colours (120 ms): a shot taken mid-way after the theme switch shows them half-way grey.
        await page.evaluate(async () => {
          await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))
          await Promise.all(document.getAnimations().filter((animation) => animation instanceof CSSTransition).map((animation) => animation.finished.catch(() => undefined)))
        })
        await page.screenshot({ path: path.join(SHOTS_DIR, `${name}-${width}x${height}-${theme}.png`) })
      }
    }
    await page.emulateMedia({ colorScheme: 'light' })
    await page.setViewportSize({ width: 1280, height: 800 })
  }

  beforeAll(async () => {
    fs.mkdirSync(SHOTS_DIR, { recursive: true })
    ;[harness, browser] = await Promise.all([startAppHarness({ chatModel: 'installed', folder: 'preset', weeks: WEEKS }), launchBrowser()])
    await waitFor(async () => (await harness.engine.call('getStatus', [])).phase.type === 'ready', { timeoutMs: 60_000, what: 'first index pass' })
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' })
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: harness.bridge.url })
    page = await context.newPage()
    page.on('pageerror', (error) => pageErrors.push(String(error)))
    await page.goto(`${harness.bridge.url}chat.html`)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await harness?.close()
  })

  it('Settings shows the MCP client configuration and copies it', async () => {
    await page.getByRole('button', { name: 'Settings', exact: true }).click()
    const settings = page.getByRole('dialog', { name: 'Settings' })
    await settings.getByRole('navigation', { name: 'Settings sections' }).getByRole('button', { name: 'Other assistants' }).click()
    const section = settings.getByRole('region', { name: 'Use your notes in other assistants (MCP)' })
    const snippet = section.getByLabel('MCP client configuration')
    await snippet.waitFor()
    expect(JSON.parse((await snippet.textContent())!)).toEqual({ mcpServers: { 'notes-rag': { command: 'npx', args: ['notes-rag', 'mcp'] } } })
    await section.getByRole('button', { name: 'Copy' }).click()
    await section.getByRole('status', { name: 'Copy result' }).getByText('Copied to the clipboard.').waitFor()
    expect(JSON.parse(await page.evaluate(() => navigator.clipboard.readText()))).toEqual(JSON.parse((await snippet.textContent())!))
    await shoot('settings-mcp')
    await settings.getByRole('button', { name: 'Close settings' }).click()
    await settings.waitFor({ state: 'detached' })
  })

  it('exports the conversation as markdown through the save dialog', { timeout: 90_000 }, async () => {
    const menuButton = page.getByRole('button', { name: 'Chat menu' })
    await menuButton.click()
    // Nothing to export before the first question.
    expect(await page.getByRole('menuitem', { name: /^Export as Markdown/ }).isDisabled()).toBe(true)
    await page.keyboard.press('Escape')
    await page.getByRole('menu').waitFor({ state: 'detached' })

    const input = page.getByRole('textbox', { name: 'Ask your notes' })
    await input.fill('what did I plant in the garden?')
    await input.press('Enter')
    await page.locator('.message-assistant:not(.is-streaming) .backend-badge').waitFor({ timeout: 60_000 })
    await menuButton.click()
    await page.getByRole('menuitem', { name: /^Export as Markdown/ }).click()
    await expect.poll(() => harness.saved.length).toBe(1)
    const [saved] = harness.saved
    expect(saved.suggestedName).toBe('notes-rag-what-did-i-plant-in-the-garden.md')
    expect(fs.existsSync(saved.path)).toBe(true)
    // The stored conversation: its title, the question, the answer and a numbered source list naming real notes.
    const conversation = await harness.engine.call('getConversation', [(await harness.engine.call('listConversations', []))[0].id])
    expect(saved.markdown.startsWith(`# ${conversation.title}\n`)).toBe(true)
    expect(saved.markdown).toContain('## 1. what did I plant in the garden?')
    const notes = [...saved.markdown.matchAll(/2024\/2024-W\d\d\.md/g)].map((match) => match[0])
    expect(notes.length).toBeGreaterThan(0)
    for (const note of notes) expect(fs.existsSync(path.join(harness.folder, note))).toBe(true)
    await page.getByRole('status').filter({ hasText: `Saved ${saved.path}.` }).waitFor()
  })

  it('asks before removing notes that vanished at once: Keep them, then Remove N notes from the index', { timeout: 120_000 }, async () => {
    const notes = fs.readdirSync(path.join(harness.folder, '2024')).sort()
    expect(notes).toHaveLength(WEEKS)
    const gone = notes.slice(4)
    for (const name of gone) fs.rmSync(path.join(harness.folder, '2024', name))

    const banner = page.getByRole('alert', { name: 'Notes held back' })
    await banner.waitFor({ timeout: 60_000 })
    expect(await banner.locator('.held-removals-text').textContent()).toBe(
      `${gone.length} notes of ${WEEKS} disappeared from your notes folder at once, so ${gone.length} notes were kept in the index instead of removed. Nothing is deleted and sync sends no deletions until you choose.`,
    )
    await shoot('held-removals')
    const held = await harness.engine.call('getStatus', [])
    expect(held).toMatchObject({ folderState: 'suspect', files: WEEKS, heldRemovals: { reason: 'mass-removal', removals: gone.length } })

    // Keep them: the banner goes, the index keeps every note, and the engine still holds the removals.
    await banner.getByRole('button', { name: 'Keep them' }).click()
    await banner.waitFor({ state: 'detached' })
    expect(await harness.engine.call('getStatus', [])).toMatchObject({ folderState: 'suspect', files: WEEKS })

    // The hold outlives the window: after a reload the question is asked again; this time the notes go.
    await page.reload()
    await banner.waitFor({ timeout: 30_000 })
    await banner.getByRole('button', { name: `Remove ${gone.length} notes from the index` }).click()
    await banner.waitFor({ state: 'detached', timeout: 30_000 })
    const after = await harness.engine.call('getStatus', [])
    expect(after.folderState).toBe('ok')
    expect(after.files).toBe(WEEKS - gone.length)
    expect(after.heldRemovals).toBeUndefined()
  })

  it('ran without page errors', () => {
    expect(pageErrors).toEqual([])
  })
})
