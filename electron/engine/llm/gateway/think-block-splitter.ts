/** The tags reasoning models wrap a leading block in: `<think>` (DeepSeek-R1, Qwen), `<thinking>`, `<thought>` (Gemini). */
const TAGS = ['think', 'thinking', 'thought'] as const

/**
 * Moves a leading `<think> … </think>` block out of streamed content into reasoning, as DeepSeek-R1 and Qwen
 * reasoning models send it when the server has no reasoning parser (also `<thinking>` and `<thought>`). Only a block at the start counts (after
 * whitespace): a `<think>` later in an answer is text the model meant to write. Tags cut between chunks are held
 * back until they can be told apart from text.
 */
export class ThinkBlockSplitter {
  private state: 'start' | 'thinking' | 'after' | 'answer' = 'start'
  private held = ''
  private close = '</think>'

  /** Feeds one piece of content; returns what belongs to the answer and what to the reasoning. */
  push(piece: string): { text: string; reasoning: string } {
    this.held += piece
    let text = ''
    let reasoning = ''
    for (;;) {
      if (this.state === 'answer') {
        text += this.held
        this.held = ''
        break
      }
      if (this.state === 'start') {
        const trimmed = this.held.trimStart()
        const tag = TAGS.find((name) => trimmed.startsWith(`<${name}>`))
        if (tag) {
          this.held = trimmed.slice(tag.length + 2)
          this.close = `</${tag}>`
          this.state = 'thinking'
          continue
        }
        if (trimmed === '' || TAGS.some((name) => `<${name}>`.startsWith(trimmed))) break // still could be a tag
        this.state = 'answer'
        continue
      }
      if (this.state === 'thinking') {
        const close = this.held.indexOf(this.close)
        if (close !== -1) {
          reasoning += this.held.slice(0, close)
          this.held = this.held.slice(close + this.close.length)
          this.state = 'after'
          continue
        }
        const keep = partialSuffix(this.held, this.close)
        reasoning += this.held.slice(0, this.held.length - keep)
        this.held = this.held.slice(this.held.length - keep)
        break
      }
      // 'after': the whitespace between </think> and the answer is layout, not answer.
      const trimmed = this.held.trimStart()
      if (trimmed === '') {
        this.held = ''
        break
      }
      this.held = trimmed
      this.state = 'answer'
    }
    return { text, reasoning }
  }

  /** Flushes what is held at the end of the stream. */
  end(): { text: string; reasoning: string } {
    const held = this.held
    this.held = ''
    if (this.state === 'thinking') return { text: '', reasoning: held }
    if (this.state === 'after') return { text: '', reasoning: '' }
    return { text: held, reasoning: '' }
  }
}

/** Length of the longest suffix of `text` that is a proper prefix of `tag`. */
function partialSuffix(text: string, tag: string): number {
  for (let length = Math.min(tag.length - 1, text.length); length > 0; length -= 1) {
    if (tag.startsWith(text.slice(text.length - length))) return length
  }
  return 0
}
