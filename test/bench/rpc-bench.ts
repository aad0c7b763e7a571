// RPC throughput and latency over a worker_threads MessageChannel (the same protocol the app runs over
// Electron MessagePorts). Run: npx tsx test/bench/rpc-bench.ts
import { MessageChannel } from 'node:worker_threads'
import { performance } from 'node:perf_hooks'
import { fromNodeMessagePort } from '../../shared/rpc/port-adapters'
import { createRpcClient } from '../../shared/rpc/rpc-client'
import { createRpcServer } from '../../shared/rpc/rpc-server'

interface BenchMethods {
  ping(): number
  hits(count: number): unknown[]
}

const hit = (n: number) => ({
  chunkId: `chunk-${n}`,
  path: `2023/2023-W${String((n % 52) + 1).padStart(2, '0')}.md`,
  headingPath: ['2023-W14', 'Done', 'Infra'],
  startLine: 10,
  endLine: 24,
  periodStart: '2023-04-03',
  periodEnd: '2023-04-09',
  score: 1 / (n + 1),
  snippet: 'Moved the ⟦backup⟧ job to the new NAS and documented the restore steps.',
  text: 'Moved the backup job to the new NAS and documented the restore steps. '.repeat(8),
  retrievers: ['keyword', 'vector'],
})

async function main(): Promise<void> {
  const channel = new MessageChannel()
  let forward: ((event: string, payload: unknown) => void) | null = null
  const server = createRpcServer(
    fromNodeMessagePort(channel.port1),
    async (method, args) => (method === 'ping' ? 1 : Array.from({ length: args[0] as number }, (_, n) => hit(n))),
    (f) => {
      forward = f
      return { dispose: () => void (forward = null) }
    },
  )
  const client = createRpcClient<BenchMethods, { delta: { text: string } }>(fromNodeMessagePort(channel.port2))

  for (let i = 0; i < 500; i++) await client.ping() // warm up

  const sequential = 5_000
  let started = performance.now()
  const latencies: number[] = []
  for (let i = 0; i < sequential; i++) {
    const t = performance.now()
    await client.ping()
    latencies.push(performance.now() - t)
  }
  let elapsed = performance.now() - started
  latencies.sort((a, b) => a - b)
  console.log(`sequential ping: ${sequential} calls in ${elapsed.toFixed(0)} ms, ${(sequential / (elapsed / 1000)).toFixed(0)} calls/s, p50 ${(latencies[sequential / 2]! * 1000).toFixed(0)} µs, p99 ${(latencies[Math.floor(sequential * 0.99)]! * 1000).toFixed(0)} µs`)

  const concurrent = 20_000
  started = performance.now()
  await Promise.all(Array.from({ length: concurrent }, () => client.ping()))
  elapsed = performance.now() - started
  console.log(`concurrent ping: ${concurrent} calls in ${elapsed.toFixed(0)} ms, ${(concurrent / (elapsed / 1000)).toFixed(0)} calls/s`)

  const rounds = 200
  const payloadBytes = JSON.stringify(Array.from({ length: 100 }, (_, n) => hit(n))).length
  started = performance.now()
  for (let i = 0; i < rounds; i++) await client.hits(100)
  elapsed = performance.now() - started
  console.log(`search-sized result (100 hits, ~${(payloadBytes / 1024).toFixed(0)} KB as JSON): ${(elapsed / rounds).toFixed(2)} ms per call`)

  const deltas = 20_000
  let received = 0
  const done = new Promise<void>((resolve) => client.on('delta', () => ++received === deltas && resolve()))
  started = performance.now()
  for (let i = 0; i < deltas; i++) forward!('delta', { text: 'tok ' })
  await done
  elapsed = performance.now() - started
  console.log(`events: ${deltas} answer-delta-sized events in ${elapsed.toFixed(0)} ms, ${(deltas / (elapsed / 1000)).toFixed(0)} events/s`)

  client.dispose()
  server.dispose()
}

void main()
