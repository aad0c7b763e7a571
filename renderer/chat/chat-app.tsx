import { useEffect, useState } from 'react'
import { applyTheme } from '../components/theme'
import { useSlice } from '../components/use-store'
import { useServices } from './chat-context'
import { Composer } from './composer'
import { ConversationList } from './conversation-list'
import { MessageList } from './message-list'
import { Onboarding } from './onboarding'
import { SearchDialog } from './search-dialog'
import { SettingsPanel } from './settings-panel'
import { SourcePanel } from './source-panel'
import { StatusBar } from './status-bar'

const EXAMPLES = ['What did I work on last week?', 'When did I last mention the release checklist?', 'Summarise March 2024']

/** The chat window. */
export function ChatApp() {
  const services = useServices()
  const { brain, status, chat } = services
  const settings = useSlice(status, (state) => state.settings)
  const engine = useSlice(status, (state) => state.engine)
  const index = useSlice(status, (state) => state.index)
  const gateway = useSlice(status, (state) => state.gateway)
  const models = useSlice(status, (state) => state.models)
  const error = useSlice(chat, (state) => state.error)
  const title = useSlice(chat, (state) => state.conversations.find((item) => item.id === state.activeId)?.title ?? 'New chat')
  const [onboarding, setOnboarding] = useState<boolean | null>(null)
  const [settingsOpen, setSettingsOpen] = useState(false)
  const [searchOpen, setSearchOpen] = useState(false)

  useEffect(() => applyTheme(settings?.ui.theme), [settings?.ui.theme])

  // Decided once, when settings first arrive: choosing the folder must not close the onboarding mid-way.
  useEffect(() => {
    if (settings && onboarding === null) setOnboarding(settings.folder === null)
  }, [settings, onboarding])

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
        event.preventDefault()
        setSearchOpen(true)
      } else if (event.key === 'Escape' && chat.getState().runningAnswerId) {
        event.preventDefault()
        void chat.stop()
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [chat])

  const chatModelReady = (models.chat?.type === 'idle' && models.chat.installed) || models.chat?.type === 'done'
  const gatewayUsable = gateway?.type === 'reachable'
  const notices: Array<{ tone: 'warn' | 'info' | 'error'; text: string }> = []
  if (engine.type === 'restarting') notices.push({ tone: 'warn', text: `The engine stopped and is restarting (attempt ${engine.attempt}). Your chats are safe.` })
  if (engine.type === 'failed') notices.push({ tone: 'error', text: `The engine could not start: ${engine.message}` })
  if (settings && settings.folder === null && onboarding === false) notices.push({ tone: 'warn', text: 'No notes folder chosen yet. Open Settings to choose one.' })
  if (index?.folderState === 'unavailable') notices.push({ tone: 'warn', text: 'Your notes folder is unavailable. Answers use the last index until it is back.' })
  if (settings && !chatModelReady && !gatewayUsable) {
    notices.push({
      tone: 'info',
      text:
        gateway?.type === 'unreachable'
          ? 'The gateway is down and the local answer model is not installed: answers show the matching passages (retrieval only).'
          : 'No answer model yet: answers show the matching passages (retrieval only) until one is ready.',
    })
  }

  const disabledReason = engine.type === 'failed' ? 'The engine is not running' : settings?.folder ? null : 'Choose a notes folder first'

  return (
    <div className="chat-window">
      <ConversationList />
      <main className="chat-main">
        <header className="chat-header">
          <h1 className="chat-title">{title}</h1>
          <div className="chat-header-actions">
            <button type="button" className="button button-ghost" onClick={() => setSearchOpen(true)} aria-keyshortcuts="Control+K">
              Search <kbd>Ctrl K</kbd>
            </button>
            <button type="button" className="button button-ghost" onClick={() => setSettingsOpen(true)}>
              Settings
            </button>
          </div>
        </header>
        {notices.map((notice) => (
          <div key={notice.text} className={`notice notice-${notice.tone}`} role={notice.tone === 'error' ? 'alert' : 'status'}>
            {notice.text}
          </div>
        ))}
        {error ? (
          <div className="notice notice-error" role="alert">
            {error.message}
            <button type="button" className="link-button" onClick={() => chat.dismissError()}>
              Dismiss
            </button>
          </div>
        ) : null}
        <div className="chat-body">
          <MessageList
            emptyState={
              <div className="empty">
                <h2>Ask your notes</h2>
                <p className="muted">Questions about your weeks, answered from your own logs with sources.</p>
                <div className="examples">
                  {EXAMPLES.map((example) => (
                    <button key={example} type="button" className="example" disabled={disabledReason !== null} onClick={() => void chat.ask(example)}>
                      {example}
                    </button>
                  ))}
                </div>
              </div>
            }
          />
          <SourcePanel />
        </div>
        <Composer disabledReason={disabledReason} />
        <StatusBar />
      </main>
      {onboarding ? <Onboarding onDone={() => setOnboarding(false)} /> : null}
      {settingsOpen ? <SettingsPanel onClose={() => setSettingsOpen(false)} /> : null}
      {searchOpen ? <SearchDialog brain={brain} onClose={() => setSearchOpen(false)} /> : null}
    </div>
  )
}
