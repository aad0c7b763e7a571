/** One `data:` payload of a server-sent-event stream; comments (`: keep-alive`) and other fields are dropped. */
export type SseData = { type: 'data'; data: string }

/** Splits a byte stream into SSE `data:` payloads, tolerating \r\n and chunks cut anywhere. */
export class SseLineReader {
  private buffer = ''
  private readonly decoder = new TextDecoder()
  private dataLines: string[] = []

  push(bytes: Uint8Array): SseData[] {
    this.buffer += this.decoder.decode(bytes, { stream: true })
    return this.drain(false)
  }

  end(): SseData[] {
    this.buffer += this.decoder.decode()
    return this.drain(true)
  }

  private drain(final: boolean): SseData[] {
    const events: SseData[] = []
    let newline: number
    while ((newline = this.buffer.indexOf('\n')) !== -1) {
      const line = this.buffer.slice(0, newline).replace(/\r$/, '')
      this.buffer = this.buffer.slice(newline + 1)
      this.takeLine(line, events)
    }
    if (final) {
      if (this.buffer.length > 0) this.takeLine(this.buffer, events)
      this.buffer = ''
      this.takeLine('', events)
    }
    return events
  }

  private takeLine(line: string, events: SseData[]): void {
    if (line === '') {
      if (this.dataLines.length > 0) events.push({ type: 'data', data: this.dataLines.join('\n') })
      this.dataLines = []
      return
    }
    if (line.startsWith(':')) return
    if (line.startsWith('data:')) this.dataLines.push(line.slice(5).replace(/^ /, ''))
  }
}
