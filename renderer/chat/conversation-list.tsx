import { useState } from 'react'
import { useSlice } from '../components/use-store'
import { conversationDate, filterConversations, groupConversations } from '../format/conversation-groups'
import { useServices } from './chat-context'

/** The sidebar: new chat, a filter, and the saved conversations grouped by date, with rename and delete. */
export function ConversationList(props: { onPicked?(): void; onClose?(): void }) {
  const { chat } = useServices()
  const conversations = useSlice(chat, (state) => state.conversations)
  const activeId = useSlice(chat, (state) => state.activeId)
  const [editing, setEditing] = useState<{ id: string; title: string } | null>(null)
  const [filter, setFilter] = useState('')
  const groups = groupConversations(filterConversations(conversations, filter))

  return (
    <nav className="sidebar" aria-label="Conversations">
      <div className="sidebar-header">
        <span className="brand">Notes</span>
        <button
          type="button"
          className="button button-primary button-small"
          onClick={() => {
            chat.newConversation()
            props.onPicked?.()
          }}
        >
          New chat
        </button>
        {props.onClose ? (
          <button type="button" className="icon-button" aria-label="Hide conversations" onClick={props.onClose}>
            ×
          </button>
        ) : null}
      </div>
      {conversations.length > 0 ? (
        <input
          className="input input-small sidebar-filter"
          type="search"
          aria-label="Filter conversations"
          placeholder="Filter conversations…"
          value={filter}
          onChange={(event) => setFilter(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Escape') setFilter('')
          }}
        />
      ) : null}
      {conversations.length === 0 ? (
        <p className="sidebar-empty">Your conversations appear here.</p>
      ) : groups.length === 0 ? (
        <p className="sidebar-empty">No conversation matches “{filter.trim()}”.</p>
      ) : (
        <div className="conversation-groups">
        {groups.map((group) => (
        <section key={group.label} className="conversation-group" aria-label={group.label}>
        <h2 className="conversation-group-label">{group.label}</h2>
        <ul className="conversation-list" role="list">
          {group.items.map((conversation) => (
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
                    aria-label={conversation.title || 'Untitled'}
                    title={conversation.title}
                    onClick={() => {
                      void chat.select(conversation.id)
                      props.onPicked?.()
                    }}
                  >
                    <span className="conversation-name">{conversation.title || 'Untitled'}</span>
                    <span className="conversation-date">{conversationDate(conversation.updatedAt)}</span>
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
        </section>
        ))}
        </div>
      )}
    </nav>
  )
}
