import type { Disposable } from '../lifecycle'

/** The minimal duplex channel the RPC layer needs; adapters wrap the message ports of each runtime into it. */
export interface RpcPort {
  /**
   * `transfer` lists what the message hands over instead of copying: buffers (a port that cannot move them copies),
   * or the runtime's message ports (the engine process's control channel carries the ports it serves).
   */
  postMessage(message: unknown, transfer?: readonly unknown[]): void
  /** `ports` are the message ports that came with the message: empty when none did or the runtime carries none beside it. */
  onMessage(listener: (message: unknown, ports: readonly unknown[]) => void): Disposable
  /** Fires once when the channel is gone (either side closed it, or the peer process died). */
  onClose(listener: () => void): Disposable
  close(): void
}
