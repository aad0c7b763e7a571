import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { getBrain } from '../api/get-brain'
import { createChatStore } from '../stores/chat-store'
import { createStatusStore } from '../stores/status-store'
import '../styles/app.css'
import { ChatServicesContext, type ChatServices } from './chat-context'
import { ChatApp } from './chat-app'

const brain = getBrain()
const status = createStatusStore()
const chat = createChatStore(brain)
const services: ChatServices = { brain, status, chat }

// Subscribe before telling the shell we are ready, so no queued event is lost.
status.connect(brain)
chat.connect()
brain.on('chat-ask', ({ question }) => void askFromQuickSearch(question))
void chat.loadConversations()
void brain.rendererReady()

/** A question handed over from the quick-search starts a new conversation, after any running answer stops. */
async function askFromQuickSearch(question: string): Promise<void> {
  if (chat.getState().runningAnswerId) {
    const stopped = new Promise<void>((resolve) => {
      const unsubscribe = chat.subscribe((state) => {
        if (state.runningAnswerId === null) {
          unsubscribe()
          resolve()
        }
      })
    })
    await chat.stop()
    await stopped
  }
  chat.newConversation()
  await chat.ask(question)
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ChatServicesContext.Provider value={services}>
      <ChatApp />
    </ChatServicesContext.Provider>
  </StrictMode>,
)
