import type { Disposable } from '../lifecycle'

/** The minimal duplex channel the RPC layer needs; adapters wrap MessagePorts of each runtime into it. */
export interface RpcPort {
  /** `transfer` lists buffers the port may move to the peer instead of copying; a port that cannot move them copies. */
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void
  onMessage(listener: (message: unknown) => void): Disposable
  /** Fires once when the channel is gone (either side closed it, or the peer process died). */
  onClose(listener: () => void): Disposable
  close(): void
}
