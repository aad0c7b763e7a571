/** One server-sent event: its `event:` name (null when none was given) and its joined `data:` payload. */
export type SseData = { type: 'data'; event: string | null; data: string }

/**
 * Splits a byte stream into SSE events, tolerating what real gateways send: \r\n, \n or a lone \r as line ends, a
 * byte-order mark, chunks cut anywhere (even inside a character), comment lines (`: keep-alive`,
 * `: OPENROUTER PROCESSING`) anywhere, `event:` names (Groq's `event: error`), and bare JSON lines (newline-delimited
 * JSON from proxies that drop the `data:` prefix), which are taken as one event each.
 */
export class SseLineReader {
  private buffer = ''
  private readonly decoder = new TextDecoder()
  private dataLines: string[] = []
  private eventName: string | null = null
  private started = false
  /** A \r ended the last push; a \n at the start of the next one belongs to it. */
  private pendingCr = false

  push(bytes: Uint8Array): SseData[] {
    this.buffer += this.decoder.decode(bytes, { stream: true })
    return this.drain(false)
  }

  end(): SseData[] {
    this.buffer += this.decoder.decode()
    return this.drain(true)
  }

  /** Characters received but not yet ended by a line break (the caller bounds it). */
  get pendingLength(): number {
    return this.buffer.length
  }

  private drain(final: boolean): SseData[] {
    const events: SseData[] = []
    if (!this.started && this.buffer.length > 0) {
      this.started = true
      if (this.buffer.charCodeAt(0) === 0xfeff) this.buffer = this.buffer.slice(1)
    }
    if (this.pendingCr && this.buffer.startsWith('\n')) this.buffer = this.buffer.slice(1)
    this.pendingCr = false
    let start = 0
    for (;;) {
      const lf = this.buffer.indexOf('\n', start)
      const cr = this.buffer.indexOf('\r', start)
      if (lf === -1 && cr === -1) break
      const end = cr !== -1 && (lf === -1 || cr < lf) ? cr : lf
      const line = this.buffer.slice(start, end)
      if (end === cr) {
        if (end + 1 === this.buffer.length && !final) {
          // A \r at the very end: a \n may follow in the next chunk.
          this.pendingCr = true
          start = end + 1
          this.takeLine(line, events)
          break
        }
        start = this.buffer[end + 1] === '\n' ? end + 2 : end + 1
      } else {
        start = end + 1
      }
      this.takeLine(line, events)
    }
    this.buffer = this.buffer.slice(start)
    if (final) {
      if (this.buffer.length > 0) this.takeLine(this.buffer, events)
      this.buffer = ''
      this.takeLine('', events)
    }
    return events
  }

  private takeLine(line: string, events: SseData[]): void {
    if (line === '') {
      if (this.dataLines.length > 0) events.push({ type: 'data', event: this.eventName, data: this.dataLines.join('\n') })
      this.dataLines = []
      this.eventName = null
      return
    }
    if (line.startsWith(':')) return
    if (line.startsWith('data:')) {
      this.dataLines.push(line.slice(5).replace(/^ /, ''))
      return
    }
    if (line.startsWith('event:')) {
      this.eventName = line.slice(6).trim() || null
      return
    }
    const trimmed = line.trimStart()
    if (this.dataLines.length === 0 && (trimmed.startsWith('{') || trimmed === '[DONE]')) {
      events.push({ type: 'data', event: this.eventName, data: trimmed })
      this.eventName = null
    }
    // Any other field (`id:`, `retry:`) means nothing for a chat completion.
  }
}
