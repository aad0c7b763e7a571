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
brain.on('chat-ask', ({ question }) => {
  chat.newConversation()
  void chat.ask(question)
})
void chat.loadConversations()
void brain.rendererReady()

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ChatServicesContext.Provider value={services}>
      <ChatApp />
    </ChatServicesContext.Provider>
  </StrictMode>,
)
