import { useState } from 'react'
import { useSlice } from '../components/use-store'
import { useServices } from './chat-context'

/** The sidebar: new chat, and the saved conversations with rename and delete. */
export function ConversationList() {
  const { chat } = useServices()
  const conversations = useSlice(chat, (state) => state.conversations)
  const activeId = useSlice(chat, (state) => state.activeId)
  const [editing, setEditing] = useState<{ id: string; title: string } | null>(null)

  return (
    <nav className="sidebar" aria-label="Conversations">
      <div className="sidebar-header">
        <span className="brand">Notes</span>
        <button type="button" className="button button-primary button-small" onClick={() => chat.newConversation()}>
          New chat
        </button>
      </div>
      {conversations.length === 0 ? (
        <p className="sidebar-empty">Your conversations appear here.</p>
      ) : (
        <ul className="conversation-list" role="list">
          {conversations.map((conversation) => (
            <li key={conversation.id} className={`conversation-item${conversation.id === activeId ? ' is-active' : ''}`}>
              {editing?.id === conversation.id ? (
                <form
                  className="rename-form"
                  onSubmit={(event) => {
                    event.preventDefault()
                    void chat.rename(editing.id, editing.title)
                    setEditing(null)
                  }}
                >
                  <input
                    className="input input-small"
                    aria-label="Conversation title"
                    value={editing.title}
                    autoFocus
                    onChange={(event) => setEditing({ id: editing.id, title: event.target.value })}
                    onBlur={() => setEditing(null)}
                    onKeyDown={(event) => {
                      if (event.key === 'Escape') setEditing(null)
                    }}
                  />
                </form>
              ) : (
                <>
                  <button
                    type="button"
                    className="conversation-title"
                    aria-current={conversation.id === activeId ? 'page' : undefined}
                    onClick={() => void chat.select(conversation.id)}
                  >
                    {conversation.title || 'Untitled'}
                  </button>
                  <span className="conversation-actions">
                    <button
                      type="button"
                      className="icon-button"
                      aria-label={`Rename ${conversation.title}`}
                      title="Rename"
                      onClick={() => setEditing({ id: conversation.id, title: conversation.title })}
                    >
                      ✎
                    </button>
                    <button
                      type="button"
                      className="icon-button"
                      aria-label={`Delete ${conversation.title}`}
                      title="Delete"
                      onClick={() => {
                        if (window.confirm(`Delete “${conversation.title}”?`)) void chat.remove(conversation.id)
                      }}
                    >
                      ×
                    </button>
                  </span>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </nav>
  )
}
