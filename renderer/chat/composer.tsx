import { useEffect, useRef, useState } from 'react'
import { useSlice } from '../components/use-store'
import { useServices } from './chat-context'

/** The question box: Enter sends, Shift+Enter adds a line, Esc or Stop ends the running answer. */
export function Composer(props: { disabledReason: string | null }) {
  const { chat } = useServices()
  const running = useSlice(chat, (state) => state.runningAnswerId !== null)
  const activeId = useSlice(chat, (state) => state.activeId)
  const [text, setText] = useState('')
  const inputRef = useRef<HTMLTextAreaElement>(null)

  useEffect(() => {
    inputRef.current?.focus()
  }, [activeId])

  const send = () => {
    if (!text.trim() || running || props.disabledReason) return
    void chat.ask(text)
    setText('')
  }

  return (
    <form
      className="composer"
      onSubmit={(event) => {
        event.preventDefault()
        send()
      }}
    >
      <label htmlFor="question" className="visually-hidden">
        Ask your notes
      </label>
      <textarea
        id="question"
        ref={inputRef}
        className="composer-input"
        rows={1}
        placeholder={props.disabledReason ?? 'Ask your notes…  (Enter to send, Shift+Enter for a new line)'}
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
            event.preventDefault()
            send()
          }
        }}
      />
      {running ? (
        <button type="button" className="button button-stop" onClick={() => void chat.stop()}>
          Stop
        </button>
      ) : (
        <button type="submit" className="button button-primary" disabled={!text.trim() || props.disabledReason !== null}>
          Ask
        </button>
      )}
    </form>
  )
}
