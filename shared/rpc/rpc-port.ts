import type { Disposable } from '../lifecycle'

/** The minimal duplex channel the RPC layer needs; adapters wrap MessagePorts of each runtime into it. */
export interface RpcPort {
  postMessage(message: unknown): void
  onMessage(listener: (message: unknown) => void): Disposable
  /** Fires once when the channel is gone (either side closed it, or the peer process died). */
  onClose(listener: () => void): Disposable
  close(): void
}
