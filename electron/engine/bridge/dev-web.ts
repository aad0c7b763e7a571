/**
 * `npm run dev:web`: the real engine behind the WebSocket bridge, and the renderer in a Vite dev server, so the UI
 * can be worked on in any browser without Electron. Shell features are stand-ins: the folder picker returns
 * `--pick-folder`, "Open in editor" prints the note.
 *
 *   tsx electron/engine/bridge/dev-web.ts [--data-dir DIR] [--folder DIR] [--pick-folder DIR] [--port N] [--web-port N]
 *
 * Environment: NOTES_RAG_DATA_DIR, NOTES_RAG_FOLDER, NOTES_RAG_PICK_FOLDER, NOTES_RAG_GATEWAY_TOKEN.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { BrainError } from '../../../shared/errors'
import { Engine } from '../engine'
import { defaultDataDir } from '../settings/data-dir'
import { startWsBridge } from './ws-bridge-server'

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

/** The dev:web options after flags and environment are combined. */
export interface DevWebOptions {
  dataDir: string
  folder: string | null
  pickFolder: string | null
  bridgePort: number
  webPort: number
}

/** Flags win over the environment; paths are made absolute. */
export function parseDevWebArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): DevWebOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string' },
      folder: { type: 'string' },
      'pick-folder': { type: 'string' },
      port: { type: 'string' },
      'web-port': { type: 'string' },
    },
    strict: true,
  })
  const absolute = (value: string | undefined) => (value ? path.resolve(value) : null)
  const port = (value: string | undefined, fallback: number) => {
    const parsed = Number(value ?? fallback)
    if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) throw new BrainError('invalid-input', `Not a port: ${value}`)
    return parsed
  }
  const folder = absolute(values.folder ?? env.NOTES_RAG_FOLDER)
  return {
    dataDir: absolute(values['data-dir']) ?? defaultDataDir(env),
    folder,
    pickFolder: absolute(values['pick-folder'] ?? env.NOTES_RAG_PICK_FOLDER) ?? folder,
    bridgePort: port(values.port, 0),
    webPort: port(values['web-port'], 5173),
  }
}

async function main(): Promise<void> {
  const options = parseDevWebArgs(process.argv.slice(2))
  let hasToken = Boolean(process.env.NOTES_RAG_GATEWAY_TOKEN)
  const engine = await Engine.open({
    dataDir: options.dataDir,
    overrides: options.folder ? { folder: options.folder } : undefined,
    gatewayToken: process.env.NOTES_RAG_GATEWAY_TOKEN ?? null,
    watch: true,
  })
  const bridge = await startWsBridge({
    engine,
    host: '127.0.0.1',
    port: options.bridgePort,
    staticDir: path.join(repositoryRoot, 'out', 'renderer'),
    shell: {
      pickFolder: async () => options.pickFolder,
      openNote: async (note, line) => {
        console.log(`[dev:web] open note ${note}${line ? `:${line}` : ''}`)
        return true
      },
      setGatewayToken: async (token) => {
        // Kept in memory only: the keychain belongs to the Electron shell.
        engine.setGatewayToken(token)
        hasToken = token !== null
        return hasToken
      },
      hasGatewayToken: async () => hasToken,
      getShortcutStatus: async () => ({
        accelerator: engine.currentSettings.ui.quickSearchShortcut,
        registered: false,
        message: 'Global shortcuts exist only in the desktop app.',
      }),
    },
  })

  process.env.VITE_BRIDGE_URL = bridge.wsUrl
  const { createServer } = await import('vite')
  const vite = await createServer({
    configFile: path.join(repositoryRoot, 'renderer', 'vite.config.ts'),
    server: { host: '127.0.0.1', port: options.webPort },
  })
  await vite.listen()
  const base = vite.resolvedUrls?.local[0] ?? `http://127.0.0.1:${options.webPort}/`
  console.log(`[dev:web] data dir   ${options.dataDir}`)
  console.log(`[dev:web] bridge     ${bridge.wsUrl}`)
  console.log(`[dev:web] chat       ${base}chat.html`)
  console.log(`[dev:web] quick      ${base}quick-search.html`)

  let closing = false
  const shutdown = async () => {
    if (closing) return
    closing = true
    await vite.close()
    await bridge.close()
    await engine.dispose()
    process.exit(0)
  }
  process.on('SIGINT', () => void shutdown())
  process.on('SIGTERM', () => void shutdown())
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error('[dev:web] failed to start:', error)
    process.exit(1)
  })
}
