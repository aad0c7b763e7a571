// A window of a few seconds follows speed changes (Wi-Fi to Ethernet) without jumping on every chunk.
const WINDOW_MS = 3000
// Progress arrives in bursts (socket buffers, chunk writes); a rate over a shorter span than this is noise.
const MIN_SPAN_MS = 500

/** Bytes per second over a sliding window of progress samples. */
export class DownloadRate {
  private samples: Array<{ at: number; bytes: number }> = []

  add(atMs: number, totalBytes: number): void {
    this.samples.push({ at: atMs, bytes: totalBytes })
    while (this.samples.length > 2 && atMs - this.samples[1].at > WINDOW_MS) this.samples.shift()
  }

  bytesPerSecond(): number {
    if (this.samples.length < 2) return 0
    const first = this.samples[0]
    const last = this.samples[this.samples.length - 1]
    const elapsed = last.at - first.at
    if (elapsed < MIN_SPAN_MS) return 0
    return Math.max(0, ((last.bytes - first.bytes) / elapsed) * 1000)
  }
}
