import { randomUUID } from 'node:crypto'
import type { Conversation, ConversationMessage, ConversationSummary } from '../../../shared/conversation'
import { BrainError } from '../../../shared/errors'
import type { MetaDatabase } from './open-meta-database'
import type { MessageInput } from './types'

interface ConversationRow {
  id: string
  title: string
  created_at: string
  updated_at: string
}

interface MessageRow {
  id: string
  role: 'user' | 'assistant'
  content: string
  answer: string | null
  created_at: string
}

/** Saved chats (`conversations` and their `messages`). */
export class ConversationRepository {
  constructor(private readonly db: MetaDatabase) {}

  /** Newest activity first. */
  list(): ConversationSummary[] {
    return (this.db.statement('SELECT * FROM conversations ORDER BY updated_at DESC, created_at DESC').all() as ConversationRow[]).map(toSummary)
  }

  create(title: string): ConversationSummary {
    const stamp = this.db.stamp()
    const summary: ConversationSummary = { id: randomUUID(), title, createdAt: stamp, updatedAt: stamp }
    this.db
      .statement('INSERT INTO conversations (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)')
      .run(summary.id, summary.title, summary.createdAt, summary.updatedAt)
    return summary
  }

  /** The conversation with its messages, oldest first; throws `not-found`. */
  get(id: string): Conversation {
    const row = this.db.statement('SELECT * FROM conversations WHERE id = ?').get(id) as ConversationRow | undefined
    if (!row) throw conversationNotFound(id)
    const messages = (
      this.db.statement('SELECT id, role, content, answer, created_at FROM messages WHERE conversation_id = ? ORDER BY seq').all(id) as MessageRow[]
    ).map(toMessage)
    return { ...toSummary(row), messages }
  }

  /** Renames a conversation (its place in the list is unchanged); throws `not-found`. */
  rename(id: string, title: string): ConversationSummary {
    const changes = this.db.statement('UPDATE conversations SET title = ? WHERE id = ?').run(title, id).changes
    if (changes === 0) throw conversationNotFound(id)
    return toSummary(this.db.statement('SELECT * FROM conversations WHERE id = ?').get(id) as ConversationRow)
  }

  /** Deletes a conversation and its messages; false when there was none. */
  delete(id: string): boolean {
    return this.db.statement('DELETE FROM conversations WHERE id = ?').run(id).changes > 0
  }

  /** Appends a message and moves the conversation to the top of the list; throws `not-found`. */
  appendMessage(conversationId: string, message: MessageInput): ConversationMessage {
    return this.db.transaction(() => {
      const stamp = this.db.stamp()
      const changes = this.db.statement('UPDATE conversations SET updated_at = ? WHERE id = ?').run(stamp, conversationId).changes
      if (changes === 0) throw conversationNotFound(conversationId)
      const stored: ConversationMessage = {
        id: randomUUID(),
        role: message.role,
        content: message.content,
        createdAt: stamp,
        answer: message.answer ?? null,
      }
      this.db
        .statement('INSERT INTO messages (id, conversation_id, role, content, answer, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(stored.id, conversationId, stored.role, stored.content, stored.answer === null ? null : JSON.stringify(stored.answer), stored.createdAt)
      return stored
    })
  }
}

function toSummary(row: ConversationRow): ConversationSummary {
  return { id: row.id, title: row.title, createdAt: row.created_at, updatedAt: row.updated_at }
}

function toMessage(row: MessageRow): ConversationMessage {
  return {
    id: row.id,
    role: row.role,
    content: row.content,
    createdAt: row.created_at,
    answer: row.answer === null ? null : (JSON.parse(row.answer) as ConversationMessage['answer']),
  }
}

function conversationNotFound(id: string): BrainError {
  return new BrainError('not-found', `No conversation with id ${id}.`, { details: { id } })
}
