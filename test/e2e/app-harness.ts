import fs from 'node:fs'
import path from 'node:path'
import { startWsBridge, type WsBridge } from '../../electron/engine/bridge/ws-bridge-server'
import { Engine } from '../../electron/engine/engine'
import { saveMarkdownExport } from '../../electron/main/export/save-markdown'
import type { SettingsPatch } from '../../shared/settings'
import { buildRenderer } from '../support/browser'
import { tinyModelOverrides } from '../support/engine-fixture'
import { startFileServer, type FileServer } from '../support/file-server'
import { makeTempDir, writeFiles } from '../support/temp-dir'
import { ensureTinyChatModel } from '../support/tiny-chat-model'

const TOPICS = [
  ['Kafka migration', 'Moved the billing consumers to Kafka and fixed the consumer lag alerts.'],
  ['Release checklist', 'Wrote the release checklist for the desktop app and ran the smoke tests.'],
  ['Postgres upgrade', 'Upgraded Postgres to version 16; vacuum settings tuned after the slow queries.'],
  ['Hiring', 'Interviewed two backend candidates; the take-home review took most of Thursday.'],
  ['Garden', 'Planted tomatoes and basil; built the raised bed from spare planks.'],
  ['Running', 'Ran 10 km on Sunday, new best time; knee felt fine.'],
  ['Homelab', 'Rebuilt the homelab gateway box with a bigger disk and the new GPU.'],
  ['Reading', 'Finished reading Designing Data-Intensive Applications, chapter on replication.'],
] as const

/** ISO week Monday for week `week` of `year` (weeks start on Monday, week 1 holds January 4th). */
function isoWeekMonday(year: number, week: number): Date {
  const jan4 = new Date(Date.UTC(year, 0, 4))
  const monday = new Date(jan4)
  monday.setUTCDate(jan4.getUTCDate() - ((jan4.getUTCDay() + 6) % 7) + (week - 1) * 7)
  return monday
}

/** A small folder of weekly logs (front-matter dates, headings) for the browser tests. */
export function writeWeeklyLogs(folder: string, weeks = 24): Record<string, string> {
  const files: Record<string, string> = {}
  for (let index = 0; index < weeks; index += 1) {
    const week = index + 1
    const monday = isoWeekMonday(2024, week).toISOString().slice(0, 10)
    const [topic, line] = TOPICS[index % TOPICS.length]
    const [otherTopic, otherLine] = TOPICS[(index * 3 + 1) % TOPICS.length]
    files[`2024/2024-W${String(week).padStart(2, '0')}.md`] = [
      '---',
      `date: ${monday}`,
      '---',
      `# Week ${week}, 2024`,
      '',
      `## ${topic}`,
      '',
      `- ${line}`,
      `- Follow-up on ${topic.toLowerCase()} planned for next week.`,
      '',
      `## ${otherTopic}`,
      '',
      `- ${otherLine}`,
      '',
    ].join('\n')
  }
  writeFiles(folder, files)
  return files
}

let rendererBuild: Promise<string> | null = null

/**
 * One production build of the renderer per test process, shared by every harness in it: the build is the slowest
 * part of starting a harness, and the bridges only serve it read-only.
 */
function builtRenderer(): Promise<string> {
  if (!rendererBuild) {
    const temp = makeTempDir('notes-rag-renderer-')
    process.once('exit', temp.cleanup)
    rendererBuild = buildRenderer(temp.dir).then(() => temp.dir)
    rendererBuild.catch(() => {
      rendererBuild = null
    })
  }
  return rendererBuild
}

/** How the local answer model starts out in a harness. */
export type ChatModelSetup = 'installed' | 'download'

export interface AppHarness {
  engine: Engine
  bridge: WsBridge
  folder: string
  dataDir: string
  /** Every `openNote` the shell received. */
  opened: Array<{ path: string; line?: number }>
  /** How many times a window asked to hide the quick-search. */
  hides: number
  /** Every export the shell was asked to save (the save dialog "picks" `exports/<suggested name>` in the temp dir). */
  saved: Array<{ suggestedName: string; path: string; markdown: string }>
  /** The generated chat model file the download serves (and `'installed'` points at). */
  chatModelPath: string
  /** The local server of the chat model download (`chatModel: 'download'`), to see what was sent. */
  fileServer: FileServer | null
  close(): Promise<void>
}

/**
 * The real engine (tiny embedding and chat models, temp data dir) behind the WebSocket bridge, serving a fresh
 * production build of the renderer. `folder: 'picked'` leaves the folder unset so the onboarding picks it.
 */
export async function startAppHarness(options: {
  chatModel: ChatModelSetup
  folder: 'picked' | 'preset'
  weeks?: number
  /** More setting overrides for this run (e.g. a gateway). */
  settings?: SettingsPatch
  /** Writes the notes instead of the small built-in weekly logs (the benchmark's 4-year corpus). */
  writeNotes?: (folder: string) => Promise<unknown>
  /** How fast the local file server sends the chat model (`chatModel: 'download'`); slow enough to cancel by hand. */
  downloadBytesPerSecond?: number
}): Promise<AppHarness> {
  const temp = makeTempDir('notes-rag-e2e-')
  const folder = path.join(temp.dir, 'notes')
  const dataDir = path.join(temp.dir, 'data')
  if (options.writeNotes) await options.writeNotes(folder)
  else writeWeeklyLogs(folder, options.weeks)
  const chatModelPath = await ensureTinyChatModel()
  let fileServer: FileServer | null = null
  let llmModel = chatModelPath
  if (options.chatModel === 'download') {
    // Throttled so the download lasts long enough for its progress bar to be seen.
    fileServer = await startFileServer({ '/models/tiny-chat.gguf': chatModelPath }, { throttleBytesPerSecond: options.downloadBytesPerSecond ?? 256 * 1024 })
    llmModel = `${fileServer.url}/models/tiny-chat.gguf`
  }
  const extra: SettingsPatch = {
    llm: { model: llmModel, threads: 1, contextSize: 512, maxAnswerTokens: 24, temperature: 0 },
    ...(options.folder === 'preset' ? { folder } : {}),
    // local-only forbids every download: a harness that serves the chat model from loopback needs the auto policy
    // (no gateway is configured, so answers still stay on this machine).
    ...(options.chatModel === 'download' ? { routing: { policy: 'auto' as const } } : {}),
    ...options.settings,
  }
  const [overrides, outDir] = await Promise.all([tinyModelOverrides(extra), builtRenderer()])
  // Watching, as in the app: picking a folder starts the first pass.
  const engine = await Engine.open({ dataDir, overrides, watch: true })
  const opened: AppHarness['opened'] = []
  const saved: AppHarness['saved'] = []
  const harness = {} as AppHarness
  const bridge = await startWsBridge({
    engine,
    host: '127.0.0.1',
    staticDir: outDir,
    shell: {
      pickFolder: async () => folder,
      openNote: async (notePath, line) => {
        opened.push({ path: notePath, line })
        return true
      },
      hasGatewayToken: async () => false,
      setGatewayToken: async (token) => {
        engine.setGatewayToken(token)
        return token !== null
      },
      hideQuickSearch: async () => {
        harness.hides += 1
        return true
      },
      getShortcutStatus: async () => ({ accelerator: 'CmdOrCtrl+Shift+Space', registered: true, message: null }),
      // The real writer of main, with the save dialog answered by the harness.
      saveMarkdown: async (suggestedName, markdown) => {
        const written = await saveMarkdownExport(
          async (name) => {
            fs.mkdirSync(path.join(temp.dir, 'exports'), { recursive: true })
            return path.join(temp.dir, 'exports', name)
          },
          suggestedName,
          markdown,
        )
        if (written) saved.push({ suggestedName, path: written, markdown: fs.readFileSync(written, 'utf8') })
        return written
      },
    },
  })
  return Object.assign(harness, {
    engine,
    bridge,
    folder,
    dataDir,
    opened,
    hides: 0,
    saved,
    chatModelPath,
    fileServer,
    close: async () => {
      await bridge.close()
      await engine.dispose()
      await fileServer?.close()
      fs.rmSync(temp.dir, { recursive: true, force: true })
    },
  })
}
