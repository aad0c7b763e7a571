import { afterAll, describe, expect, it } from 'vitest'
import { startReplayGateway, type ReplayGateway } from '../../support/replay-gateway'
import { expectConsistent, indexJson, makeWorkspace, peekIndex, runCli, sampleRss, type Workspace } from './reliability-harness'

const MB = 1024 * 1024
const workspaces: Workspace[] = []
const gateways: ReplayGateway[] = []
afterAll(async () => {
  for (const gateway of gateways) await gateway.close()
  workspaces.forEach((workspace) => workspace.cleanup())
})

/** `total` bytes of JSON padding after `head`, generated as they are sent (never held by the server). */
function padded(head: string, total: number): () => AsyncIterable<Buffer> {
  return async function* () {
    yield Buffer.from(head)
    const block = Buffer.alloc(64 * 1024, ' ')
    for (let sent = 0; sent < total; sent += block.length) yield block
  }
}


describe('fault: a 200 MB gateway answer (real CLI process, real HTTP server)', () => {
  it('ask stops reading at the byte cap with a clear error, memory stays bounded, the index is untouched', async () => {
    const ws = await makeWorkspace('huge-answer', 20)
    workspaces.push(ws)
    await indexJson(ws)
    const before = peekIndex(ws.dataDir)
    // Chunked (no Content-Length), so the cap must be enforced while reading, not from a header.
    const gateway = await startReplayGateway({
      response: { status: 200, contentType: 'application/json', body: padded('{"choices":[{"message":{"content":"x"}}],"pad":"', 200 * MB) },
    })
    gateways.push(gateway)

    const ask = runCli(['ask', 'what about postgres?', '--backend', 'gateway', '--gateway-url', gateway.url, '--gateway-token', 't', ...ws.flags])
    const memory = { peakMb: 0 }
    const sampler = sampleRss(ask.child.pid!, memory)
    const result = await ask
    clearInterval(sampler)

    expect(result.code, result.stdout).toBe(1)
    expect(result.stderr).toMatch(/gateway could not answer: .*more than 16 MB.*\[gateway-response-too-large\]/)
    expect(gateway.bytesWritten(), 'most of the 200 MB was never read').toBeLessThan(100 * MB)
    // Far below the 1.6 GB the whole body once took; the CLI with its models loaded sits around 400-600 MB.
    expect(memory.peakMb, `peak RSS ${memory.peakMb.toFixed(0)} MB`).toBeLessThan(1_000)
    expect(peekIndex(ws.dataDir)).toEqual(before)
    await expectConsistent(ws)
  }, 180_000)
})
