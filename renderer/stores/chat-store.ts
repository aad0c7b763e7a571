import { createStore } from 'zustand/vanilla'
import type { AnswerEnd, ChatTurn, Citation } from '../../shared/answer'
import type { ConversationMessage, ConversationSummary } from '../../shared/conversation'
import { toErrorData, type ErrorData } from '../../shared/errors'
import type { BrainApi } from '../../shared/ipc'

/** One message on screen; `streaming` is set on the answer being generated. */
export interface ChatMessageView {
  id: string
  role: 'user' | 'assistant'
  content: string
  answer: Omit<AnswerEnd, 'text'> | null
  streaming: boolean
  error: ErrorData | null
}

export interface ChatState {
  conversations: ConversationSummary[]
  activeId: string | null
  messages: ChatMessageView[]
  /** The answer being generated, so Stop and Esc know what to stop. */
  runningAnswerId: string | null
  /** The passage shown in the source panel. */
  openSource: Citation | null
  /** The words of the question the open source answered, highlighted in the panel. */
  openSourceTerms: string[]
  error: ErrorData | null
}

export type ChatStore = ReturnType<typeof createChatStore>

const TITLE_LENGTH = 48

function fromConversation(message: ConversationMessage): ChatMessageView {
  return { id: message.id, role: message.role, content: message.content, answer: message.answer, streaming: false, error: message.answer?.error ?? null }
}

/**
 * What an earlier turn tells the follow-up rewriter. A retrieval-only answer's text is a list of passages; the
 * rewriter needs the question it answered, not 19,000 characters of notes.
 */
function historyText(message: ChatMessageView): string {
  if (message.role === 'assistant' && message.answer?.meta.backend === 'retrieval-only') return `Passages about: ${message.answer.meta.standaloneQuery}`
  return message.content
}

function newId(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`
}

/** Conversations and the streaming answer; every change goes through the engine, which persists it. */
export function createChatStore(brain: BrainApi) {
  const store = createStore<ChatState>(() => ({
    conversations: [],
    activeId: null,
    messages: [],
    runningAnswerId: null,
    openSource: null,
    openSourceTerms: [],
    error: null,
  }))
  const set = store.setState
  const get = store.getState
  const fail = (error: unknown) => set({ error: toErrorData(error) })
  /** Stops the running answer: aborting its call makes `ask` resolve with the partial text. */
  let stopRunning: AbortController | null = null

  const updateMessage = (id: string, change: (message: ChatMessageView) => ChatMessageView) =>
    set((state) => ({ messages: state.messages.map((message) => (message.id === id ? change(message) : message)) }))

  const actions = {
    /** Subscribes to streamed text; returns the unsubscribe function. */
    connect(): () => void {
      return brain.on('answer-delta', (delta) => {
        if (delta.answerId !== get().runningAnswerId) return
        updateMessage(delta.answerId, (message) => ({ ...message, content: message.content + delta.text }))
      })
    },

    async loadConversations(): Promise<void> {
      try {
        set({ conversations: await brain.listConversations() })
      } catch (error) {
        fail(error)
      }
    },

    async select(id: string): Promise<void> {
      if (get().runningAnswerId) await actions.stop()
      set({ activeId: id, messages: [], openSource: null, error: null })
      try {
        const conversation = await brain.getConversation(id)
        if (get().activeId === id) set({ messages: conversation.messages.map(fromConversation) })
      } catch (error) {
        fail(error)
      }
    },

    /** Starts an empty chat; the conversation is created on the first question so empty ones are not saved. */
    newConversation(): void {
      if (get().runningAnswerId) void actions.stop()
      set({ activeId: null, messages: [], openSource: null, error: null })
    },

    async rename(id: string, title: string): Promise<void> {
      const trimmed = title.trim()
      if (!trimmed) return
      try {
        const summary = await brain.renameConversation(id, trimmed)
        set((state) => ({ conversations: state.conversations.map((item) => (item.id === id ? summary : item)) }))
      } catch (error) {
        fail(error)
      }
    },

    async remove(id: string): Promise<void> {
      try {
        await brain.deleteConversation(id)
        set((state) => ({
          conversations: state.conversations.filter((item) => item.id !== id),
          ...(state.activeId === id ? { activeId: null, messages: [], openSource: null } : {}),
        }))
      } catch (error) {
        fail(error)
      }
    },

    /**
     * Asks a question in the active conversation. `withoutHistory` asks it as typed, not as a follow-up: how a
     * removed "read as" or period chip re-asks, so the earlier turns cannot bring the removed reading back.
     */
    async ask(question: string, options: { withoutHistory?: boolean } = {}): Promise<AnswerEnd | null> {
      const text = question.trim()
      if (!text || get().runningAnswerId) return null
      set({ error: null })
      let conversationId = get().activeId
      try {
        if (conversationId === null) {
          const title = text.length > TITLE_LENGTH ? `${text.slice(0, TITLE_LENGTH - 1)}…` : text
          const summary = await brain.createConversation(title)
          conversationId = summary.id
          set((state) => ({ activeId: summary.id, conversations: [summary, ...state.conversations] }))
        }
      } catch (error) {
        fail(error)
        return null
      }
      const history: ChatTurn[] = options.withoutHistory
        ? []
        : get()
            .messages.filter((message) => !message.error && message.content)
            .map((message) => ({ role: message.role, content: historyText(message) }))
      const answerId = newId()
      const controller = new AbortController()
      stopRunning = controller
      set((state) => ({
        runningAnswerId: answerId,
        messages: [
          ...state.messages,
          { id: `${answerId}-question`, role: 'user', content: text, answer: null, streaming: false, error: null },
          { id: answerId, role: 'assistant', content: '', answer: null, streaming: true, error: null },
        ],
      }))
      try {
        const end = await brain.ask({ answerId, question: text, history, conversationId }, controller.signal)
        const { text: finalText, ...answer } = end
        updateMessage(answerId, (message) => ({ ...message, content: finalText, answer, streaming: false, error: end.error }))
        return end
      } catch (error) {
        updateMessage(answerId, (message) => ({ ...message, streaming: false, error: toErrorData(error) }))
        return null
      } finally {
        if (stopRunning === controller) stopRunning = null
        if (get().runningAnswerId === answerId) set({ runningAnswerId: null })
        void actions.loadConversations()
      }
    },

    /**
     * Re-asks a question without the period the engine read into it (the removed period chip). The search says what
     * is left of the query once time phrases are taken out; a question that was only a period has nothing left.
     */
    async askWithoutPeriod(standaloneQuery: string): Promise<AnswerEnd | null> {
      let topic: string
      try {
        topic = (await brain.search(standaloneQuery, { limit: 1 })).searchedText.trim()
      } catch (error) {
        fail(error)
        return null
      }
      if (!topic) {
        set({ error: { code: 'invalid-input', message: 'That question is only a period, so there is nothing to ask without it.', retryable: false } })
        return null
      }
      return actions.ask(topic, { withoutHistory: true })
    },

    /** Re-asks a topic narrowed to one period (a clicked timeline bar): "elasticsearch in March 2020". */
    async askInPeriod(topic: string, phrase: string): Promise<AnswerEnd | null> {
      const text = topic.trim() ? `${topic.trim()} in ${phrase}` : `What did I do in ${phrase}?`
      return actions.ask(text, { withoutHistory: true })
    },

    async stop(): Promise<void> {
      if (!get().runningAnswerId) return
      stopRunning?.abort()
    },

    openSource(citation: Citation | null, terms: string[] = []): void {
      set({ openSource: citation, openSourceTerms: citation ? terms : [] })
    },

    dismissError(): void {
      set({ error: null })
    },
  }

  return Object.assign(store, actions)
}
