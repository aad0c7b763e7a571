// Runs in a real worker thread: serves a small method map over the worker's parentPort.
import { parentPort } from 'node:worker_threads'
import { BrainError } from '../../../../shared/errors'
import { fromNodeMessagePort } from '../../../../shared/rpc/port-adapters'
import { createRpcServer } from '../../../../shared/rpc/rpc-server'
import { toDisposable } from '../../../../shared/lifecycle'

if (!parentPort) throw new Error('must run in a worker')

let tick: ((n: number) => void) | null = null
createRpcServer(
  fromNodeMessagePort(parentPort),
  async (method, args, signal) => {
    if (method === 'add') return (args[0] as number) + (args[1] as number)
    if (method === 'threadId') return (await import('node:worker_threads')).threadId
    if (method === 'fail') throw new BrainError('not-found', `no ${String(args[0])}`, { details: { what: args[0] } })
    if (method === 'count') {
      const upTo = args[0] as number
      for (let n = 1; n <= upTo; n++) tick?.(n)
      return upTo
    }
    if (method === 'waitForAbort') {
      return await new Promise((resolve) => signal.addEventListener('abort', () => resolve('aborted on the worker'), { once: true }))
    }
    throw new BrainError('invalid-input', `unknown method ${method}`)
  },
  (forward) => {
    tick = (n) => forward('tick', n)
    return toDisposable(() => {
      tick = null
    })
  },
)
