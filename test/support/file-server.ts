import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

/** Options of the test file server. */
export interface FileServerOptions {
  /** Send response bodies no faster than this. */
  throttleBytesPerSecond?: number
  /** Cut the first GET response that reaches this many body bytes; every other response is served whole. */
  failAfterBytes?: number
  /** Extra response headers per served path, e.g. an `ETag` carrying a sha256 like a model hub sends. */
  headers?: Record<string, Record<string, string>>
}

/** One request the server saw, so tests can assert how the client downloaded. */
export interface FileServerRequest {
  method: string
  path: string
  range: string | null
  status: number
  /** Body bytes actually written before the response ended or was cut. */
  bytesSent: number
}

/** A running test file server. */
export interface FileServer {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:41234 */
  url: string
  requests: FileServerRequest[]
  close(): Promise<void>
}

const CHUNK_BYTES = 16 * 1024

/**
 * A real HTTP server on 127.0.0.1 serving `files` (URL path -> path on disk) with `Range` support, optional
 * throttling and one deliberate mid-body failure, for download and resume tests.
 */
export async function startFileServer(files: Record<string, string>, options: FileServerOptions = {}): Promise<FileServer> {
  const requests: FileServerRequest[] = []
  const sockets = new Set<import('node:net').Socket>()
  let failurePending = options.failAfterBytes !== undefined

  const server = http.createServer((request, response) => {
    const urlPath = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname)
    const record: FileServerRequest = {
      method: request.method ?? 'GET',
      path: urlPath,
      range: request.headers.range ?? null,
      status: 0,
      bytesSent: 0,
    }
    requests.push(record)
    void serve(urlPath, request, response, record).catch(() => {
      if (!response.headersSent) {
        response.statusCode = 500
        record.status = 500
      }
      response.destroy()
    })
  })

  async function serve(urlPath: string, request: http.IncomingMessage, response: http.ServerResponse, record: FileServerRequest) {
    const filePath = files[urlPath]
    const size = filePath ? await stat(filePath).then((info) => info.size, () => null) : null
    if (!filePath || size === null) {
      record.status = 404
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found')
      return
    }
    let start = 0
    let end = size - 1
    let status = 200
    const rangeMatch = record.range ? /^bytes=(\d*)-(\d*)$/.exec(record.range) : null
    if (record.range && !rangeMatch) {
      record.status = 416
      response.writeHead(416, { 'Content-Range': `bytes */${size}` }).end()
      return
    }
    if (rangeMatch) {
      if (rangeMatch[1] === '') {
        start = Math.max(0, size - Number(rangeMatch[2]))
      } else {
        start = Number(rangeMatch[1])
        if (rangeMatch[2] !== '') end = Math.min(end, Number(rangeMatch[2]))
      }
      if (start > end || start >= size) {
        record.status = 416
        response.writeHead(416, { 'Content-Range': `bytes */${size}` }).end()
        return
      }
      status = 206
    }
    record.status = status
    response.writeHead(status, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(end - start + 1),
      'Accept-Ranges': 'bytes',
      'Last-Modified': new Date(0).toUTCString(),
      ...(status === 206 ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
      ...(options.headers?.[urlPath] ?? {}),
    })
    if (request.method === 'HEAD') {
      response.end()
      return
    }

    const stream = createReadStream(filePath, { start, end, highWaterMark: CHUNK_BYTES })
    const began = Date.now()
    request.on('close', () => stream.destroy())
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (response.destroyed) return
      let piece = chunk
      if (failurePending && record.bytesSent + piece.length >= options.failAfterBytes!) {
        failurePending = false
        piece = piece.subarray(0, Math.max(0, options.failAfterBytes! - record.bytesSent))
        await write(response, piece)
        record.bytesSent += piece.length
        // Destroying the socket mid-body is what a dropped Wi-Fi connection looks like to the client.
        response.socket?.destroy()
        stream.destroy()
        return
      }
      await write(response, piece)
      record.bytesSent += piece.length
      if (options.throttleBytesPerSecond) {
        const due = began + (record.bytesSent / options.throttleBytesPerSecond) * 1000
        const wait = due - Date.now()
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
      }
    }
    response.end()
  }

  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

function write(response: http.ServerResponse, chunk: Buffer): Promise<void> {
  if (chunk.length === 0) return Promise.resolve()
  if (response.write(chunk)) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done)
      response.off('close', done)
      resolve()
    }
    response.on('drain', done)
    response.on('close', done)
  })
}
