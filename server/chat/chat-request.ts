import { z } from 'zod'

const contentSchema = z.union([
  z.string(),
  z.array(z.object({ type: z.string(), text: z.string().optional() }).passthrough()),
  z.null(),
])

/** The part of an OpenAI chat-completions body the service reads; other fields pass through to the upstream. */
export const chatRequestSchema = z
  .object({
    model: z.string().min(1).max(200),
    messages: z
      .array(z.object({ role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']), content: contentSchema.optional() }).passthrough())
      .min(1)
      .max(500),
    stream: z.boolean().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).passthrough().nullable().optional(),
    max_tokens: z.number().int().min(1).max(131_072).nullable().optional(),
    max_completion_tokens: z.number().int().min(1).max(131_072).nullable().optional(),
    temperature: z.number().min(0).max(2).nullable().optional(),
  })
  .passthrough()

export type ChatRequest = z.infer<typeof chatRequestSchema>

/** The text of a message, whatever shape its content has. */
export function messageText(content: ChatRequest['messages'][number]['content']): string {
  if (typeof content === 'string') return content
  if (!content) return ''
  return content.map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : '')).join('')
}
