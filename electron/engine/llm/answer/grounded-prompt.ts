import type { Citation } from '../../../../shared/answer'
import type { SearchHit } from '../../../../shared/search'
import type { ChatMessage } from '../types'

/** The exact sentence the model is told to use when the passages do not answer the question. */
export const NOT_IN_NOTES = "I couldn't find that in your notes."

/** A passage as given to a model: its number, where it comes from, and the (possibly truncated) text. */
export interface Passage {
  n: number
  hit: SearchHit
  text: string
  truncated: boolean
}

// Short on purpose: every token here is a token less for passages in a small local context.
export function systemPrompt(today: string): string {
  return [
    `Answer only from the numbered passages of the user's notes, never from outside knowledge. Today is ${today}.`,
    'Cite passages by number, like [1] or [2, 3].',
    `If the passages do not contain the answer, say: "${NOT_IN_NOTES}"`,
  ].join('\n')
}

/** "2023-W14" from the note label, or the period dates when the note has no label. */
export function weekLabel(hit: Pick<SearchHit, 'headingPath' | 'periodStart' | 'periodEnd'>): string {
  const label = hit.headingPath[0]
  const dates = hit.periodStart === hit.periodEnd ? hit.periodStart : `${hit.periodStart} to ${hit.periodEnd}`
  return label && label !== dates ? `${label} (${dates})` : dates
}

export function formatPassage(passage: Passage): string {
  const { hit } = passage
  const heading = hit.headingPath.slice(1).join(' > ')
  const header = `[${passage.n}] ${weekLabel(hit)} | ${hit.path}:${hit.startLine}-${hit.endLine}${heading ? ` | ${heading}` : ''}`
  return `${header}\n${passage.text}${passage.truncated ? ' [...]' : ''}`
}

export function userPrompt(question: string, passages: Passage[]): string {
  return `${passages.map(formatPassage).join('\n\n')}\n\nQuestion: ${question}`
}

export function directMessages(today: string, question: string, passages: Passage[]): ChatMessage[] {
  return [
    { role: 'system', content: systemPrompt(today) },
    { role: 'user', content: userPrompt(question, passages) },
  ]
}

export function toCitation(passage: Passage): Citation {
  const { hit } = passage
  return {
    n: passage.n,
    chunkId: hit.chunkId,
    path: hit.path,
    headingPath: hit.headingPath,
    startLine: hit.startLine,
    endLine: hit.endLine,
    periodStart: hit.periodStart,
    periodEnd: hit.periodEnd,
    text: passage.text,
    ...(hit.title ? { title: hit.title } : {}),
  }
}
