import http from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A real HTTP proxy in front of the service that can fail the way a network or a crashing server does: after
 * `cutAfterBatches` batch requests it forwards one more, lets the service apply it, and drops the connection before
 * the answer reaches the client; from then on it refuses every request until `heal()`.
 */
export class CuttingProxy {
  batchesForwarded = 0
  private broken = false
  private cutAfter: number | null = null

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    private target: string,
  ) {}

  static async start(target: string): Promise<CuttingProxy> {
    let proxy: CuttingProxy | null = null
    const server = http.createServer((request, response) => void proxy!.handle(request, response))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    proxy = new CuttingProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, target.replace(/\/v1$/, ''))
    return proxy
  }

  cutAfterBatches(count: number): void {
    this.cutAfter = count
  }

  /** The network is back (and the service maybe restarted elsewhere). */
  heal(target?: string): void {
    this.broken = false
    this.cutAfter = null
    if (target) this.target = target.replace(/\/v1$/, '')
  }

  get isBroken(): boolean {
    return this.broken
  }

  async close(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    if (this.broken) return void response.socket?.destroy()
    const parts: Buffer[] = []
    for await (const part of request) parts.push(part as Buffer)
    const isBatch = request.method === 'POST' && (request.url ?? '').includes('/notes-sync/batches')
    const cutting = isBatch && this.cutAfter !== null && this.batchesForwarded >= this.cutAfter
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(request.headers)) if (typeof value === 'string' && name !== 'host' && name !== 'connection') headers[name] = value
    try {
      const upstream = await fetch(this.target + (request.url ?? '/'), { method: request.method, headers, body: parts.length > 0 ? Buffer.concat(parts) : undefined })
      const body = Buffer.from(await upstream.arrayBuffer())
      if (isBatch) this.batchesForwarded += 1
      if (cutting) {
        // Applied on the service, lost on the way back.
        this.broken = true
        return void response.socket?.destroy()
      }
      const out: Record<string, string> = {}
      upstream.headers.forEach((value, name) => {
        if (name !== 'content-encoding' && name !== 'transfer-encoding' && name !== 'connection') out[name] = value
      })
      response.writeHead(upstream.status, out)
      response.end(body)
    } catch {
      response.socket?.destroy()
    }
  }
}
