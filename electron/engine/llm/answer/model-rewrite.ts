import type { ChatTurn } from '../../../../shared/answer'
import type { ChatBackend } from '../types'

const REWRITE_INSTRUCTION =
  'Rewrite the last question of this conversation as one standalone search query over personal notes. ' +
  'Keep names, topics and time phrases from earlier turns that it refers to. Reply with the query only.'

/** Turns of history given to the rewrite: enough for pronouns to resolve, short enough to be fast. */
const MAX_TURNS = 6
const MAX_QUERY_CHARACTERS = 300

/**
 * Asks a (gateway) model to rewrite a follow-up into a standalone query. Returns null when the model fails or
 * answers something that does not look like a query, so the caller keeps the heuristic rewrite.
 */
export async function rewriteWithModel(
  backend: ChatBackend,
  question: string,
  history: ChatTurn[],
  signal?: AbortSignal,
): Promise<string | null> {
  const transcript = history
    .slice(-MAX_TURNS)
    .map((turn) => `${turn.role === 'user' ? 'User' : 'Assistant'}: ${turn.content.replace(/\s+/g, ' ').slice(0, 400)}`)
    .join('\n')
  try {
    const result = await backend.complete({
      messages: [
        { role: 'system', content: REWRITE_INSTRUCTION },
        { role: 'user', content: `${transcript}\nUser: ${question}\n\nStandalone query:` },
      ],
      maxTokens: 64,
      temperature: 0,
      signal,
    })
    if (result.aborted) return null
    const query = result.text.trim().replace(/^["'`]+|["'`]+$/g, '').split('\n')[0].trim()
    return query.length > 0 && query.length <= MAX_QUERY_CHARACTERS ? query : null
  } catch {
    return null
  }
}
