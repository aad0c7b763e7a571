import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { readFile, stat } from 'node:fs/promises'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { WebSocketServer } from 'ws'
import { BrainError } from '../../../shared/errors'
import {
  ENGINE_EVENT_NAMES,
  ENGINE_METHOD_NAMES,
  SHELL_METHOD_NAMES,
  type AsyncMethods,
  type BrainEventName,
  type BrainEvents,
  type CallEventListener,
  type EngineEventName,
  type EngineEvents,
  type EngineMethodName,
  type ShellMethodName,
  type ShellMethods,
} from '../../../shared/ipc'
import { fromWebSocket, type WebSocketLike } from '../../../shared/rpc/port-adapters'
import { createRpcServer, type RpcServer } from '../../../shared/rpc/rpc-server'

/** The part of the engine facade the bridge needs (the `Engine` class satisfies it). */
export interface BridgeEngine {
  call(method: EngineMethodName, args: unknown[], signal?: AbortSignal, onEvent?: CallEventListener): Promise<unknown>
  on<E extends EngineEventName>(event: E, listener: (payload: EngineEvents[E]) => void): { dispose(): void | Promise<void> }
}

/** Options of `startWsBridge`. */
export interface WsBridgeOptions {
  engine: BridgeEngine
  /** Shell methods a browser can call; `rendererReady`, `askInChat` and `hideQuickSearch` have browser defaults. */
  shell: Partial<AsyncMethods<ShellMethods>>
  /** 0 or absent picks a free port. */
  port?: number
  /** Loopback only: the bridge gives full access to the notes. */
  host: '127.0.0.1'
  /** A built renderer (`out/renderer`) to serve over HTTP on the same port. */
  staticDir?: string
}

/** A running bridge. */
export interface WsBridge {
  /** The HTTP base URL, e.g. http://127.0.0.1:5123/ */
  url: string
  /** The WebSocket URL for `createWsBrain`. */
  wsUrl: string
  /** Sends an event to every connected window (e.g. `chat-ask` from the quick-search). */
  broadcast<E extends BrainEventName>(event: E, payload: BrainEvents[E]): void
  close(): Promise<void>
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
}

const engineMethods = new Set<string>(ENGINE_METHOD_NAMES)
const shellMethods = new Set<string>(SHELL_METHOD_NAMES)

/**
 * Serves the engine and a browser shell over one WebSocket on 127.0.0.1, so the real renderer can run in a plain
 * browser (dev:web, e2e tests) with the same `BrainApi` it gets from the Electron preload. The wire is the app's one
 * RPC protocol (`shared/rpc/protocol.ts`) as JSON frames; each socket is one RPC port.
 */
export async function startWsBridge(options: WsBridgeOptions): Promise<WsBridge> {
  if (options.host !== '127.0.0.1') throw new BrainError('invalid-input', 'The bridge binds to 127.0.0.1 only.')
  const servers = new Set<RpcServer>()
  const staticRoot = options.staticDir ? resolve(options.staticDir) : null

  const broadcast = <E extends BrainEventName>(event: E, payload: BrainEvents[E]): void => {
    for (const server of servers) server.emit(event, payload)
  }

  // Browser stand-ins for what Electron main does with real windows.
  const shellDefaults: Partial<AsyncMethods<ShellMethods>> = {
    rendererReady: async () => true,
    hideQuickSearch: async () => true,
    askInChat: async (question: string) => {
      broadcast('chat-ask', { question })
      return true
    },
  }
  const shell: Partial<AsyncMethods<ShellMethods>> = { ...shellDefaults, ...options.shell }

  const callShell = async (method: ShellMethodName, args: unknown[]): Promise<unknown> => {
    const handler = shell[method] as ((...values: unknown[]) => Promise<unknown>) | undefined
    if (!handler) throw new BrainError('not-found', `This shell does not offer ${method}.`)
    return handler(...args)
  }

  const server = createServer((request, response) => {
    void serveStatic(staticRoot, request, response)
  })
  const wss = new WebSocketServer({
    server,
    // Any web page may open a WebSocket to localhost: accept only pages served from loopback.
    verifyClient: ({ origin }: { origin?: string }) => isLoopbackOrigin(origin),
  })

  wss.on('connection', (socket) => {
    // Closing the socket disposes the server, which aborts the calls still running and unsubscribes its events.
    const server = createRpcServer(
      fromWebSocket(socket as unknown as WebSocketLike),
      async (method, args, signal, notify) => {
        if (engineMethods.has(method)) return await options.engine.call(method as EngineMethodName, args, signal, notify)
        if (shellMethods.has(method)) return await callShell(method as ShellMethodName, args)
        throw new BrainError('invalid-input', `Unknown method: ${method}`)
      },
      (forward) => {
        const subscriptions = ENGINE_EVENT_NAMES.map((event) => options.engine.on(event, (payload) => forward(event, payload)))
        return { dispose: async () => void (await Promise.all(subscriptions.map((subscription) => subscription.dispose()))) }
      },
    )
    servers.add(server)
    socket.on('close', () => servers.delete(server))
    server.emit('engine-state', { type: 'running' })
  })

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host, () => {
      server.off('error', reject)
      resolvePromise()
    })
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new BrainError('internal', 'The bridge has no TCP address.')
  const url = `http://127.0.0.1:${address.port}/`
  const wsUrl = `ws://127.0.0.1:${address.port}/brain`

  let closing: Promise<void> | null = null
  return {
    url,
    wsUrl,
    broadcast,
    close: () => {
      closing ??= (async () => {
        for (const socket of wss.clients) socket.terminate()
        await new Promise<void>((resolvePromise) => wss.close(() => resolvePromise()))
        await new Promise<void>((resolvePromise) => server.close(() => resolvePromise()))
      })()
      return closing
    },
  }
}

function isLoopbackOrigin(origin: string | undefined): boolean {
  // Node clients (tests, CLI tools) send no Origin; browsers always do.
  if (!origin) return true
  try {
    const { hostname } = new URL(origin)
    return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]'
  } catch {
    return false
  }
}

async function serveStatic(root: string | null, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (root === null || (request.method !== 'GET' && request.method !== 'HEAD')) {
    response.writeHead(root === null ? 404 : 405).end()
    return
  }
  const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname)
  const relative = normalize(pathname === '/' ? '/chat.html' : pathname).replace(/^([/\\])+/, '')
  const file = join(root, relative)
  if (file !== root && !file.startsWith(root + sep)) {
    response.writeHead(403).end()
    return
  }
  try {
    const info = await stat(file)
    if (!info.isFile()) throw new BrainError('not-found', `${relative} is not a file`)
    const body = await readFile(file)
    response.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    })
    response.end(request.method === 'HEAD' ? undefined : body)
  } catch {
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found')
  }
}
