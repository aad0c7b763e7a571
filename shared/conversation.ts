import type { AnswerEnd } from './answer'

export interface ConversationSummary {
  id: string
  title: string
  createdAt: string
  updatedAt: string
}

export interface ConversationMessage {
  id: string
  role: 'user' | 'assistant'
  content: string
  createdAt: string
  /** For assistant messages: the citations, sources and metadata of the answer. */
  answer: Omit<AnswerEnd, 'text'> | null
}

export interface Conversation extends ConversationSummary {
  messages: ConversationMessage[]
}
