/**
 * Reads the pieces of one chat-completion chunk (or a whole non-streamed completion) the way real providers send
 * them, which is looser than the OpenAI schema: content as a string or an array of parts, reasoning in several
 * fields, tool calls, a finish reason that may be absent, usage anywhere, and errors inside a normal chunk.
 */

/** What one chunk (or one whole completion) contributes. */
export interface CompletionParts {
  text: string
  reasoning: string
  finishReason: string | null
  /** Tool calls seen in this chunk, by index (names arrive once, arguments in fragments). */
  toolCalls: Array<{ index: number; name: string | null }>
  usage: { tokensIn: number | null; tokensOut: number | null } | null
  /** An error object the provider put inside an otherwise normal chunk or body. */
  error: ProviderErrorData | null
  /** The chunk carried a `choices` array or a message: it is a completion chunk and not something else. */
  recognized: boolean
}

/** A provider's error, as far as it can be read. */
export interface ProviderErrorData {
  message: string
  code: string | number | null
  type: string | null
  /** `error.metadata.raw` (OpenRouter) or similar: what the upstream provider said. */
  upstream: string | null
}

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)
const str = (value: unknown): string => (typeof value === 'string' ? value : '')

/** Reads one parsed chunk of a stream (or one whole completion body, with `message` instead of `delta`). */
export function readCompletionParts(value: unknown): CompletionParts {
  const parts: CompletionParts = { text: '', reasoning: '', finishReason: null, toolCalls: [], usage: null, error: null, recognized: false }
  if (!isObject(value)) return parts
  parts.error = readProviderError(value)
  parts.usage = readUsage(value.usage)
  const choices = Array.isArray(value.choices) ? value.choices : null
  if (choices) parts.recognized = true
  // Ollama's native format (`message`, `done`) and bodies of some proxies have no `choices`.
  const entries: Json[] = choices ? choices.filter(isObject) : isObject(value.message) ? [{ message: value.message, finish_reason: value.done_reason ?? (value.done === true ? 'stop' : null) }] : []
  if (!choices && entries.length > 0) parts.recognized = true
  for (const choice of entries) {
    // Only the first choice is the answer; n > 1 is never asked for.
    if (typeof choice.index === 'number' && choice.index !== 0) continue
    // Legacy completion chunks (and some proxies) put the text in `choice.text` with no delta.
    const message = isObject(choice.delta) ? choice.delta : isObject(choice.message) ? choice.message : typeof choice.text === 'string' ? { content: choice.text } : null
    if (message) {
      const content = readContent(message.content)
      parts.text += content.text
      parts.reasoning += content.reasoning
      parts.reasoning += readReasoningFields(message)
      parts.toolCalls.push(...readToolCalls(message))
    }
    if (typeof choice.finish_reason === 'string' && choice.finish_reason !== '') parts.finishReason = choice.finish_reason
    const choiceError = readProviderError(choice)
    if (choiceError && !parts.error) parts.error = choiceError
  }
  return parts
}

/** `content` is a string, null, or an array of parts (Mistral: text parts and thinking parts holding text parts). */
export function readContent(content: unknown): { text: string; reasoning: string } {
  if (typeof content === 'string') return { text: content, reasoning: '' }
  if (!Array.isArray(content)) return { text: '', reasoning: '' }
  let text = ''
  let reasoning = ''
  for (const part of content) {
    if (typeof part === 'string') {
      text += part
      continue
    }
    if (!isObject(part)) continue
    const type = str(part.type)
    if (type === 'thinking' || type === 'reasoning' || type === 'redacted_thinking') {
      reasoning += flattenText(part.thinking ?? part.reasoning ?? part.text ?? part.content)
    } else if (type === 'text' || type === 'output_text' || type === '') {
      text += str(part.text)
    }
    // Other part types (images, audio, refusals as parts) have no text for the answer.
  }
  return { text, reasoning }
}

/** Text inside a thinking part: a string, a text part, or an array of either. */
function flattenText(value: unknown): string {
  if (typeof value === 'string') return value
  if (Array.isArray(value)) return value.map(flattenText).join('')
  if (isObject(value)) return str(value.text) || flattenText(value.thinking)
  return ''
}

/**
 * Reasoning fields beside `content`. OpenRouter sends the same text in `reasoning` and in `reasoning_details`, so
 * the first field that is present wins: `reasoning_content` (DeepSeek, Z.ai, vLLM), `reasoning` (OpenRouter,
 * Ollama, Groq), then `reasoning_details` (text and summary entries; encrypted ones carry nothing readable).
 */
function readReasoningFields(message: Json): string {
  if (typeof message.reasoning_content === 'string') return message.reasoning_content
  if (typeof message.reasoning === 'string') return message.reasoning
  if (typeof message.thinking === 'string') return message.thinking
  if (Array.isArray(message.reasoning_details)) {
    return message.reasoning_details
      .filter(isObject)
      .map((detail) => (detail.type === 'reasoning.encrypted' ? '' : str(detail.text) || str(detail.summary)))
      .join('')
  }
  return ''
}

function readToolCalls(message: Json): Array<{ index: number; name: string | null }> {
  const calls: Array<{ index: number; name: string | null }> = []
  if (Array.isArray(message.tool_calls)) {
    message.tool_calls.forEach((call, position) => {
      if (!isObject(call)) return
      const fn = isObject(call.function) ? call.function : {}
      calls.push({ index: typeof call.index === 'number' ? call.index : position, name: str(fn.name) || null })
    })
  }
  // The legacy single `function_call` of older servers.
  if (isObject(message.function_call)) calls.push({ index: 0, name: str(message.function_call.name) || null })
  return calls
}

function readUsage(value: unknown): CompletionParts['usage'] {
  if (!isObject(value)) return null
  const number = (field: unknown) => (typeof field === 'number' && Number.isFinite(field) ? field : null)
  const tokensIn = number(value.prompt_tokens) ?? number(value.input_tokens)
  const tokensOut = number(value.completion_tokens) ?? number(value.output_tokens)
  if (tokensIn === null && tokensOut === null) return null
  return { tokensIn, tokensOut }
}

/**
 * An `error` member as providers send it: `{error:{message, code, type, metadata:{raw}}}` (OpenAI, OpenRouter,
 * Groq), `{error:"text"}`, or a bare `{message, code}` (the body of an `event: error`). Null when there is none.
 */
export function readProviderError(value: unknown, bare = false): ProviderErrorData | null {
  if (!isObject(value)) return null
  const error = value.error
  if (typeof error === 'string' && error.trim() !== '') return { message: error, code: null, type: null, upstream: null }
  const source = isObject(error) ? error : bare && (typeof value.message === 'string' || value.code !== undefined) ? value : null
  if (!source) return null
  const metadata = isObject(source.metadata) ? source.metadata : {}
  const raw = metadata.raw
  // Google's `status` ("RESOURCE_EXHAUSTED") is the upstream's own word for what happened.
  const statusWord = typeof source.status === 'string' && source.status.trim() !== '' ? source.status : null
  const upstream = typeof raw === 'string' ? raw : isObject(raw) ? JSON.stringify(raw) : statusWord
  const code = typeof source.code === 'string' || typeof source.code === 'number' ? source.code : statusWord
  const message = str(source.message) || str(source.detail) || (code !== null ? String(code) : 'the provider reported an error')
  return { message, code, type: str(source.type) || null, upstream }
}
