import { useEffect, useRef, useState } from 'react'
import { toErrorData } from '../../shared/errors'
import { conversationToMarkdown, exportFileName } from '../../shared/markdown-export'
import { useSlice } from '../components/use-store'
import { useServices } from './chat-context'

/**
 * The chat's menu (the header's "⋯"): actions on the open conversation. "Export as Markdown" writes the stored
 * conversation (questions, answers, their numbered sources) with the same formatter as `notes-rag ask --format
 * markdown`, through the shell's save dialog; `onDone` hears what happened, for the toast.
 */
export function ChatMenu(props: { onDone(message: string): void }) {
  const { brain, chat } = useServices()
  const activeId = useSlice(chat, (state) => state.activeId)
  const hasMessages = useSlice(chat, (state) => state.messages.length > 0)
  const running = useSlice(chat, (state) => state.runningAnswerId !== null)
  const [open, setOpen] = useState(false)
  const rootRef = useRef<HTMLDivElement>(null)

  useEffect(() => {
    if (!open) return
    const onPointer = (event: PointerEvent) => {
      if (!rootRef.current?.contains(event.target as Node)) setOpen(false)
    }
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault()
        setOpen(false)
      }
    }
    window.addEventListener('pointerdown', onPointer)
    window.addEventListener('keydown', onKey)
    return () => {
      window.removeEventListener('pointerdown', onPointer)
      window.removeEventListener('keydown', onKey)
    }
  }, [open])

  const exportMarkdown = async () => {
    setOpen(false)
    if (!activeId) return
    try {
      const conversation = await brain.getConversation(activeId)
      const saved = await brain.saveMarkdown(exportFileName(conversation.title), conversationToMarkdown(conversation))
      if (saved) props.onDone(`Saved ${saved}.`)
    } catch (error) {
      props.onDone(`Could not export: ${toErrorData(error).message}`)
    }
  }

  const exportReason = !activeId || !hasMessages ? 'Ask something first' : running ? 'Wait for the answer to finish' : null
  return (
    <div className="chat-menu" ref={rootRef}>
      <button type="button" className="icon-button" aria-label="Chat menu" aria-haspopup="menu" aria-expanded={open} title="Chat menu" onClick={() => setOpen(!open)}>
        ⋯
      </button>
      {open ? (
        <div className="menu" role="menu" aria-label="Chat menu">
          <button type="button" role="menuitem" className="menu-item" disabled={exportReason !== null} title={exportReason ?? undefined} onClick={() => void exportMarkdown()} autoFocus>
            Export as Markdown…
          </button>
        </div>
      ) : null}
    </div>
  )
}
