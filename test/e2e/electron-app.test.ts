import { existsSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { execFileSync } from 'node:child_process'
import { _electron, type ElectronApplication, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dataPaths } from '../../electron/engine/settings/data-dir'
import { saveSettingsFile } from '../../electron/engine/settings/settings-file'
import { mergeSettings, defaultSettings } from '../../shared/settings'
import { ARTIFACTS_DIR } from '../support/browser'
import { tinyModelOverrides } from '../support/engine-fixture'
import { makeTempDir } from '../support/temp-dir'
import { ensureTinyChatModel } from '../support/tiny-chat-model'
import { writeWeeklyLogs } from './app-harness'

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

/** The Electron binary, or why there is none (its download from GitHub cannot happen on these machines). */
function electronBinary(): { path: string } | { missing: string } {
  try {
    const binary = createRequire(import.meta.url)('electron') as unknown
    if (typeof binary === 'string' && existsSync(binary)) return { path: binary }
    return { missing: `the electron package points at ${String(binary)}, which does not exist` }
  } catch (error) {
    return { missing: `require('electron') failed: ${(error as Error).message}` }
  }
}

const electron = electronBinary()
if ('missing' in electron) console.warn(`[e2e] Electron app test skipped: no Electron binary (${electron.missing})`)

describe.skipIf('missing' in electron)('the packaged windows in real Electron', () => {
  let app: ElectronApplication
  let chat: Page
  let temp: ReturnType<typeof makeTempDir>
  let folder: string

  beforeAll(async () => {
    temp = makeTempDir('notes-rag-electron-')
    folder = path.join(temp.dir, 'notes')
    const dataDir = path.join(temp.dir, 'data')
    writeWeeklyLogs(folder, 24)
    // The app reads settings.json: point it at the tiny models, without a folder so the onboarding runs.
    const overrides = await tinyModelOverrides({ llm: { model: await ensureTinyChatModel(), threads: 1, contextSize: 512, maxAnswerTokens: 24 } })
    mkdirSync(dataDir, { recursive: true })
    saveSettingsFile(dataPaths(dataDir).settings, mergeSettings(defaultSettings(), overrides))
    execFileSync(process.execPath, [path.join(repositoryRoot, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], {
      cwd: repositoryRoot,
      stdio: 'inherit',
    })
    app = await _electron.launch({
      executablePath: (electron as { path: string }).path,
      args: [repositoryRoot, '--no-sandbox', '--disable-gpu'],
      env: { ...process.env, NOTES_RAG_DATA_DIR: dataDir },
    })
    // The native folder dialog cannot be clicked by a test: answer it from inside main.
    await app.evaluate(({ dialog }, picked) => {
      dialog.showOpenDialog = (async () => ({ canceled: false, filePaths: [picked] })) as typeof dialog.showOpenDialog
    }, folder)
    chat = await app.firstWindow()
  }, 300_000)

  afterAll(async () => {
    await app?.close()
    temp?.cleanup()
  })

  it('onboards, indexes, answers with sources, and opens the source panel', async () => {
    const onboarding = chat.getByRole('dialog', { name: 'Welcome to your second brain' })
    await onboarding.getByRole('button', { name: 'Choose folder…' }).click()
    await onboarding.getByText(folder).waitFor()
    await onboarding.getByRole('button', { name: 'Start asking' }).click()
    await chat.getByRole('status', { name: 'Status' }).getByText('24 notes', { exact: false }).waitFor({ timeout: 60_000 })

    const input = chat.getByRole('textbox', { name: 'Ask your notes' })
    await input.fill('what did I plant in the garden?')
    await input.press('Enter')
    const answer = chat.locator('.message-assistant').last()
    await answer.locator('.backend-local').waitFor({ timeout: 60_000 })
    expect(await answer.locator('.backend-badge').textContent()).toMatch(/^Local · /)
    await answer.locator('.source-pill').first().click()
    await chat.getByRole('complementary', { name: /^Source \d+$/ }).waitFor()
    mkdirSync(ARTIFACTS_DIR, { recursive: true })
    await chat.screenshot({ path: path.join(ARTIFACTS_DIR, 'electron-chat.png') })
  })
})
