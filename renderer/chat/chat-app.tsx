import { useEffect, useState } from 'react'
import { applyTheme } from '../components/theme'
import { useSlice } from '../components/use-store'
import { examplePrompts, overviewSummary } from '../format/example-prompts'
import { AnswerModelNotice } from './answer-model-notice'
import { useServices } from './chat-context'
import { ChatMenu } from './chat-menu'
import { Composer } from './composer'
import { ConversationList } from './conversation-list'
import { HeldRemovalsNotice } from './held-removals-notice'
import { MessageList } from './message-list'
import { Onboarding } from './onboarding'
import { SearchDialog } from './search-dialog'
import { SettingsPanel, type SettingsSection } from './settings-panel'
import { SourcePanel } from './source-panel'
import { StatusBar } from './status-bar'

/** Below this width the sidebar folds away (a button brings it back over the chat) and the source panel overlays. */
const NARROW_QUERY = '(max-width: 900px)'

function useNarrow(): boolean {
  const [narrow, setNarrow] = useState(() => window.matchMedia?.(NARROW_QUERY).matches ?? false)
  useEffect(() => {
    const query = window.matchMedia?.(NARROW_QUERY)
    if (!query) return
    const onChange = () => setNarrow(query.matches)
    query.addEventListener('change', onChange)
    return () => query.removeEventListener('change', onChange)
  }, [])
  return narrow
}

/** The chat window. */
export function ChatApp() {
  const services = useServices()
  const { brain, status, chat } = services
  const settings = useSlice(status, (state) => state.settings)
  const engine = useSlice(status, (state) => state.engine)
  const index = useSlice(status, (state) => state.index)
  const overview = useSlice(status, (state) => state.overview)
  const error = useSlice(chat, (state) => state.error)
  const sourceOpen = useSlice(chat, (state) => state.openSource !== null)
  const title = useSlice(chat, (state) => state.conversations.find((item) => item.id === state.activeId)?.title ?? 'New chat')
  const [onboarding, setOnboarding] = useState<boolean | null>(null)
  const [settingsOpen, setSettingsOpen] = useState<SettingsSection | null>(null)
  const [searchOpen, setSearchOpen] = useState(false)
  const narrow = useNarrow()
  const [sidebarOpen, setSidebarOpen] = useState(!narrow)
  const [toast, setToast] = useState<string | null>(null)

  useEffect(() => {
    if (!toast) return
    const timer = setTimeout(() => setToast(null), 4000)
    return () => clearTimeout(timer)
  }, [toast])

  useEffect(() => applyTheme(settings?.ui.theme), [settings?.ui.theme])
  useEffect(() => setSidebarOpen(!narrow), [narrow])

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
      } else if (event.key === 'Escape' && chat.getState().openSource && !document.querySelector('[role="dialog"]')) {
        event.preventDefault()
        chat.openSource(null)
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [chat])

  const notices: Array<{ tone: 'warn' | 'info' | 'error'; text: string }> = []
  if (engine.type === 'restarting') notices.push({ tone: 'warn', text: `The engine stopped and is restarting (attempt ${engine.attempt}). Your chats are safe.` })
  if (engine.type === 'failed') notices.push({ tone: 'error', text: `The engine could not start: ${engine.message}` })
  if (settings && settings.folder === null && onboarding === false) notices.push({ tone: 'warn', text: 'No notes folder chosen yet. Open Settings to choose one.' })
  if (index?.folderState === 'unavailable') notices.push({ tone: 'warn', text: 'Your notes folder is unavailable. Answers use the last index until it is back.' })

  const disabledReason = engine.type === 'failed' ? 'The engine is not running' : settings?.folder ? null : 'Choose a notes folder first'
  const examples = examplePrompts(overview)
  const closeSidebarOnNarrow = () => narrow && setSidebarOpen(false)

  return (
    <div className={`chat-window${sidebarOpen ? ' has-sidebar' : ' no-sidebar'}${narrow ? ' is-narrow' : ''}${sourceOpen ? ' has-source' : ''}`}>
      {sidebarOpen ? <ConversationList onPicked={closeSidebarOnNarrow} onClose={narrow ? () => setSidebarOpen(false) : undefined} /> : null}
      {sidebarOpen && narrow ? <div className="sidebar-scrim" aria-hidden="true" onClick={() => setSidebarOpen(false)} /> : null}
      <main className="chat-main">
        <header className="chat-header">
          <button
            type="button"
            className="icon-button sidebar-toggle"
            aria-label={sidebarOpen ? 'Hide conversations' : 'Show conversations'}
            aria-expanded={sidebarOpen}
            title={sidebarOpen ? 'Hide conversations' : 'Show conversations'}
            onClick={() => setSidebarOpen(!sidebarOpen)}
          >
            ☰
          </button>
          <h1 className="chat-title">{title}</h1>
          <div className="chat-header-actions">
            <button type="button" className="button button-ghost" onClick={() => setSearchOpen(true)} aria-keyshortcuts="Control+K">
              Search <kbd>Ctrl K</kbd>
            </button>
            <button type="button" className="button button-ghost" onClick={() => setSettingsOpen('folder')}>
              Settings
            </button>
            <ChatMenu onDone={setToast} />
          </div>
        </header>
        {notices.map((notice) => (
          <div key={notice.text} className={`notice notice-${notice.tone}`} role={notice.tone === 'error' ? 'alert' : 'status'}>
            {notice.text}
          </div>
        ))}
        <HeldRemovalsNotice />
        {onboarding === false ? <AnswerModelNotice onSetUpGateway={() => setSettingsOpen('gateway')} /> : null}
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
                <p className="muted">{overview && overview.files > 0 ? `${overviewSummary(overview)}.` : 'Questions about your weeks, answered from your own logs with sources.'}</p>
                {examples.length > 0 ? (
                  <div className="examples" aria-label="Example questions">
                    {examples.map((example) => (
                      <button key={example} type="button" className="example" disabled={disabledReason !== null} onClick={() => void chat.ask(example)}>
                        {example}
                      </button>
                    ))}
                  </div>
                ) : null}
              </div>
            }
          />
          <SourcePanel />
        </div>
        <Composer disabledReason={disabledReason} />
        <StatusBar />
      </main>
      {onboarding ? <Onboarding onDone={() => setOnboarding(false)} /> : null}
      {settingsOpen ? <SettingsPanel initialSection={settingsOpen} onClose={() => setSettingsOpen(null)} /> : null}
      {searchOpen ? <SearchDialog brain={brain} onClose={() => setSearchOpen(false)} onAsk={(question) => void chat.ask(question)} onOpened={setToast} /> : null}
      {toast ? (
        <div className="toast" role="status">
          {toast}
        </div>
      ) : null}
    </div>
  )
}
