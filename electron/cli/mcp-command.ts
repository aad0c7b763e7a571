import type { Engine } from '../engine/engine'
import { cliVersion } from './cli-version'
import type { CliInvocation } from './parse-cli-args'

/**
 * stdout is the MCP protocol: one stray console.log from a library (Transformers.js, node-llama-cpp) would corrupt
 * it. Console output goes to stderr, where MCP clients collect server logs. Call before anything is loaded.
 */
export function routeConsoleToStderr(): void {
  const toStderr = (...args: unknown[]) => console.error(...args)
  console.log = toStderr
  console.info = toStderr
  console.debug = toStderr
}

/** `notes-rag mcp`: serves the engine over stdio until the client closes stdin or the process is told to stop. */
export async function runMcp(engine: Engine, invocation: CliInvocation): Promise<number> {
  const [{ StdioServerTransport }, { createNotesMcpServer }] = await Promise.all([
    import('@modelcontextprotocol/sdk/server/stdio.js'),
    import('../engine/mcp/mcp-server'),
  ])
  const server = createNotesMcpServer(engine, { version: cliVersion(), today: invocation.today })
  const transport = new StdioServerTransport(process.stdin, process.stdout)
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve()
    // The client going away ends stdin; the transport does not notice that by itself.
    process.stdin.once('end', () => resolve())
    process.once('SIGINT', () => resolve())
    process.once('SIGTERM', () => resolve())
  })
  await server.connect(transport)
  console.error(`[notes-rag mcp] serving ${engine.currentSettings.folder ?? '(no folder set)'} from ${invocation.dataDir}`)
  await closed
  await server.close().catch(() => undefined)
  return 0
}
