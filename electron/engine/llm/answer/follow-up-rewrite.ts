import type { ChatTurn } from '../../../../shared/answer'

/** A question made to stand alone for retrieval, and what was carried over from earlier turns. */
export interface StandaloneQuery {
  query: string
  rewritten: boolean
  carriedTerms: string[]
  carriedTime: string | null
}

const MONTH = '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|May|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)'
const PREPOSITION = '(?:(?:in|during|since|before|after|from|for|around|by|until)\\s+)?'
const TIME_PATTERNS: RegExp[] = [
  new RegExp(`\\b${PREPOSITION}between\\s+\\S+(?:\\s+\\d{4})?\\s+and\\s+\\S+(?:\\s+\\d{4})?`, 'i'),
  new RegExp(`\\b${PREPOSITION}(?:(?:early|mid|late|the\\s+end\\s+of|the\\s+start\\s+of)\\s+)?${MONTH}\\b(?:\\s+\\d{1,2}(?:st|nd|rd|th)?\\b)?(?:,?\\s+(?:19|20)\\d{2}\\b)?`, 'i'),
  new RegExp(`\\b${PREPOSITION}(?:last|this|next|previous|past)\\s+(?:\\d+\\s+)?(?:weeks?|months?|years?|quarters?|spring|summer|autumn|fall|winter)\\b`, 'i'),
  /\b(?:yesterday|today|recently)\b/i,
  /\b\d+\s+(?:days?|weeks?|months?|years?)\s+ago\b/i,
  new RegExp(`\\b${PREPOSITION}q[1-4](?:\\s+(?:19|20)\\d{2})?\\b`, 'i'),
  new RegExp(`\\b${PREPOSITION}(?:19|20)\\d{2}-w\\d{1,2}\\b`, 'i'),
  new RegExp(`\\b${PREPOSITION}week\\s+\\d{1,2}(?:\\s+(?:of\\s+)?(?:19|20)\\d{2})?\\b`, 'i'),
  new RegExp(`\\b${PREPOSITION}(?:19|20)\\d{2}-\\d{2}(?:-\\d{2})?\\b`, 'i'),
  new RegExp(`\\b${PREPOSITION}(?:19|20)\\d{2}\\b`, 'i'),
]

const FOLLOW_UP_WORDS = /\b(?:it|its|that|this|those|these|them|they|their|then|there|he|she|him|her|who else|what else|anything else|same)\b/i
const FOLLOW_UP_OPENERS = /^(?:and|also|but|so|what about|how about|why|when|where|more)\b/i

const STOPWORDS = new Set(
  (
    'a an the and or but if of to in on at by for with from into about as is are was were be been being do did does done ' +
    'have has had having i me my mine we us our you your he she it its they them their this that these those there then ' +
    'what which who whom whose when where why how all any some each every more most other else such no not only own same so ' +
    'than too very can could should would will shall may might must just also ever again still yet tell show give find list ' +
    'say said know get got go went make made anything something everything nothing notes note week weeks month months year ' +
    'years day days time times last next previous past early mid late between during since before after until around ' +
    'happen happened happening doing going thing things'
  ).split(' '),
)

/** The first time phrase in a question ("in March 2023", "last week"), or null. */
export function findTimePhrase(text: string): string | null {
  for (const pattern of TIME_PATTERNS) {
    const match = pattern.exec(text)
    // "may" in lower case is nearly always the verb ("may I ask"), not the month.
    if (match && !/\bmay\b/.test(match[0])) return match[0].trim()
  }
  return null
}

/** Content words of a question, without its time phrase, in order, lowercased, without repeats. */
export function topicTerms(text: string): string[] {
  const time = findTimePhrase(text)
  const rest = time ? text.replace(time, ' ') : text
  const terms: string[] = []
  for (const word of rest.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'+#.-]*/gu) ?? []) {
    const clean = word.replace(/[.'-]+$/, '')
    if (clean.length < 3 || STOPWORDS.has(clean) || /^\d+$/.test(clean)) continue
    if (!terms.includes(clean)) terms.push(clean)
  }
  return terms
}

/** A follow-up leans on an earlier turn when it is short or points back with a pronoun. */
export function isFollowUp(question: string): boolean {
  const words = question.trim().split(/\s+/).filter(Boolean)
  return words.length <= 4 || FOLLOW_UP_WORDS.test(question) || FOLLOW_UP_OPENERS.test(question.trim())
}

const MAX_CARRIED_TERMS = 6

/**
 * Rewrites a follow-up into a query that stands alone, deterministically: it carries over the previous question's
 * topic terms and (when the follow-up names no time of its own) its time phrase. Earlier turns are rewritten first,
 * so a chain of follow-ups keeps the original topic.
 */
export function rewriteFollowUp(question: string, history: ChatTurn[] = []): StandaloneQuery {
  let previous: string | null = null
  for (const turn of history) {
    if (turn.role !== 'user' || turn.content.trim() === '') continue
    previous = previous === null ? turn.content.trim() : rewriteAgainst(turn.content.trim(), previous).query
  }
  if (previous === null) return { query: question.trim(), rewritten: false, carriedTerms: [], carriedTime: null }
  return rewriteAgainst(question.trim(), previous)
}

function rewriteAgainst(question: string, previous: string): StandaloneQuery {
  if (!isFollowUp(question)) return { query: question, rewritten: false, carriedTerms: [], carriedTime: null }
  const own = new Set(topicTerms(question))
  const lowered = question.toLowerCase()
  const carriedTerms = topicTerms(previous)
    .filter((term) => !own.has(term) && !lowered.includes(term))
    .slice(0, MAX_CARRIED_TERMS)
  const carriedTime = findTimePhrase(question) === null ? findTimePhrase(previous) : null
  if (carriedTerms.length === 0 && carriedTime === null) return { query: question, rewritten: false, carriedTerms, carriedTime }
  const base = question.replace(/[?.!\s]+$/, '')
  const query = [base, ...carriedTerms, carriedTime].filter(Boolean).join(' ')
  return { query, rewritten: true, carriedTerms, carriedTime }
}
