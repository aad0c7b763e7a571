import { createContext, useContext } from 'react'
import type { BrainApi } from '../../shared/ipc'
import type { ChatStore } from '../stores/chat-store'
import type { StatusStore } from '../stores/status-store'

/** What every chat-window component reaches: the API and the two stores. */
export interface ChatServices {
  brain: BrainApi
  status: StatusStore
  chat: ChatStore
}

export const ChatServicesContext = createContext<ChatServices | null>(null)

export function useServices(): ChatServices {
  const services = useContext(ChatServicesContext)
  if (!services) throw new Error('ChatServicesContext is missing')
  return services
}
