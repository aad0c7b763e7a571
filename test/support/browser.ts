import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser } from 'playwright-core'

/** The system Chromium (Debian's `chromium` package); `npx playwright install` cannot download browsers here. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Flags that keep a headless Chromium quiet and offline on the shared CI machines. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

/** Why the browser tests cannot run here, or null when they can. */
export function browserUnavailableReason(): string | null {
  // CI installs Chromium (.ci/run): there a missing browser must fail the run, not skip the UI tests quietly.
  if (process.env.CI) return null
  return existsSync(CHROMIUM_PATH) ? null : `${CHROMIUM_PATH} is missing (apt-get install -y chromium)`
}

/** Launches the system Chromium through playwright-core. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true })
}

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

/**
 * Builds the renderer (both windows) into `outDir` with the production config, CSP included, in the `web` mode:
 * a production build with the WebSocket bridge client kept in, since the tests drive it over the bridge.
 */
export async function buildRenderer(outDir: string): Promise<void> {
  const { build } = await import('vite')
  await build({
    configFile: path.join(repositoryRoot, 'renderer', 'vite.config.ts'),
    mode: 'web',
    build: { outDir, emptyOutDir: true },
    logLevel: 'warn',
  })
}

/** Where tests save screenshots (gitignored). */
export const ARTIFACTS_DIR = path.join(repositoryRoot, 'test-artifacts')
