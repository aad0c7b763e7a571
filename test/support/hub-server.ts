import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { readFile, stat } from 'node:fs/promises'
import { join, normalize, sep } from 'node:path'
import type { AddressInfo } from 'node:net'

export interface HubServer {
  /** Base URL ending in "/", usable as Transformers.js `env.remoteHost`. */
  url: string
  /** Every request as "<METHOD> <path>", in arrival order. */
  requests: string[]
  close(): Promise<void>
}

export interface HubServerOptions {
  /** Files (relative to the model folder, e.g. "onnx/model.onnx") whose body is cut off half way, as a dropped connection. */
  interruptFiles?: string[]
  /** Files whose body stops half way and then hangs until the server closes, as a stalled download. */
  stallFiles?: string[]
}

const RESOLVE_PATH = /^\/([^/]+)\/([^/]+)\/resolve\/([^/]+)\/(.+)$/

/**
 * A real HTTP server on 127.0.0.1 that serves `<rootDir>/<org>/<name>/<file>` at
 * `/<org>/<name>/resolve/<revision>/<file>`, the Hugging Face layout Transformers.js downloads from.
 */
export async function startHubServer(rootDir: string, options: HubServerOptions = {}): Promise<HubServer> {
  const requests: string[] = []
  const root = normalize(rootDir)

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://hub').pathname)
    requests.push(`${request.method} ${path}`)
    const match = RESOLVE_PATH.exec(path)
    if (!match || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found')
      return
    }
    const [, organisation, name, , file] = match
    const filePath = normalize(join(root, organisation, name, file))
    if (!filePath.startsWith(root + sep)) {
      response.writeHead(404).end()
      return
    }
    const info = await stat(filePath).catch(() => null)
    if (!info?.isFile()) {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('Entry not found')
      return
    }
    const body = await readFile(filePath)
    const contentType = file.endsWith('.json') ? 'application/json' : 'application/octet-stream'
    const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '')
    if (range) {
      const start = Number(range[1])
      const end = range[2] === '' ? body.length - 1 : Math.min(Number(range[2]), body.length - 1)
      const slice = body.subarray(start, end + 1)
      response.writeHead(206, {
        'Content-Type': contentType,
        'Content-Length': String(slice.length),
        'Content-Range': `bytes ${start}-${end}/${body.length}`,
        'Accept-Ranges': 'bytes',
      })
      response.end(request.method === 'HEAD' ? undefined : slice)
      return
    }
    response.writeHead(200, { 'Content-Type': contentType, 'Content-Length': String(body.length), 'Accept-Ranges': 'bytes' })
    if (request.method === 'HEAD') {
      response.end()
      return
    }
    if (options.interruptFiles?.includes(file)) {
      // Promise the whole file, send half, then drop the connection: what a flaky network looks like to the client.
      response.write(body.subarray(0, Math.floor(body.length / 2)), () => response.socket?.destroy())
      return
    }
    if (options.stallFiles?.includes(file)) {
      response.write(body.subarray(0, Math.floor(body.length / 2)))
      return
    }
    response.end(body)
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500).end(String(error))
      else response.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
