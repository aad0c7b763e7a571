import { describe, expect, it } from 'vitest'
import { KeyedSerialQueue, SerialQueue } from '../../../../electron/engine/async/serial-queue'

/** A promise and the functions that settle it. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

describe('SerialQueue', () => {
  it('runs jobs one at a time, in order, and hands each caller its own result', async () => {
    const queue = new SerialQueue()
    const log: string[] = []
    const first = deferred()
    const a = queue.run(async () => {
      log.push('a start')
      await first.promise
      log.push('a end')
      return 'a'
    })
    const b = queue.run(async () => {
      log.push('b')
      return 'b'
    })
    await Promise.resolve()
    expect(log).toEqual(['a start'])
    expect(queue.size).toBe(2)
    first.resolve()
    expect(await a).toBe('a')
    expect(await b).toBe('b')
    expect(log).toEqual(['a start', 'a end', 'b'])
  })

  it('keeps going after a failed job, and the failure reaches only its caller', async () => {
    const queue = new SerialQueue()
    const failed = queue.run(async () => {
      throw new Error('boom')
    })
    const next = queue.run(async () => 42)
    await expect(failed).rejects.toThrow('boom')
    expect(await next).toBe(42)
  })

  it('whenIdle waits for every queued job, including jobs queued meanwhile', async () => {
    const queue = new SerialQueue()
    const done: number[] = []
    const gate = deferred()
    void queue.run(async () => {
      await gate.promise
      done.push(1)
      void queue.run(async () => {
        done.push(2)
      })
    })
    const idle = queue.whenIdle()
    gate.resolve()
    await idle
    expect(done).toEqual([1, 2])
    expect(queue.size).toBe(0)
  })
})

describe('KeyedSerialQueue', () => {
  it('serialises jobs of one key and runs other keys side by side', async () => {
    const queue = new KeyedSerialQueue<string>()
    const log: string[] = []
    const gate = deferred()
    const a1 = queue.run('a', async () => {
      log.push('a1 start')
      await gate.promise
      log.push('a1 end')
    })
    const a2 = queue.run('a', async () => {
      log.push('a2')
    })
    const b1 = queue.run('b', async () => {
      log.push('b1')
    })
    await b1
    expect(log).toEqual(['a1 start', 'b1'])
    gate.resolve()
    await Promise.all([a1, a2])
    expect(log).toEqual(['a1 start', 'b1', 'a1 end', 'a2'])
  })

  it('forgets a key once its jobs settled, failed ones included', async () => {
    const queue = new KeyedSerialQueue<string>()
    await queue.run('a', async () => 1)
    await expect(queue.run('b', async () => Promise.reject(new Error('no')))).rejects.toThrow('no')
    await queue.whenIdle()
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(queue.activeKeys).toBe(0)
  })

  it('whenIdle waits for the jobs of every key', async () => {
    const queue = new KeyedSerialQueue<number>()
    const gates = [deferred(), deferred()]
    const done: number[] = []
    void queue.run(1, async () => {
      await gates[0].promise
      done.push(1)
    })
    void queue.run(2, async () => {
      await gates[1].promise
      done.push(2)
    })
    const idle = queue.whenIdle()
    gates[1].resolve()
    gates[0].resolve()
    await idle
    expect(done.sort()).toEqual([1, 2])
  })
})
