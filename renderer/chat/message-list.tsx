import { useEffect, useRef, useState } from 'react'
import { AnswerReasoning } from '../components/answer-reasoning'
import { AnswerText } from '../components/answer-text'
import { useSlice } from '../components/use-store'
import { answerBackendLabel, answerTimingLabel } from '../format/answer-label'
import type { ChatMessageView } from '../stores/chat-store'
import { useServices } from './chat-context'

/** The conversation: questions, streamed answers with citation chips, backend label and timing. */
export function MessageList(props: { emptyState: React.ReactNode }) {
  const { chat } = useServices()
  const messages = useSlice(chat, (state) => state.messages)
  const endRef = useRef<HTMLDivElement>(null)
  const last = messages[messages.length - 1]

  useEffect(() => {
    endRef.current?.scrollIntoView?.({ block: 'end' })
  }, [messages.length, last?.content])

  if (messages.length === 0) return <div className="messages messages-empty">{props.emptyState}</div>

  return (
    <div className="messages" role="log" aria-label="Conversation">
      <div className="messages-inner">
        {messages.map((message) => (message.role === 'user' ? <Question key={message.id} message={message} /> : <Answer key={message.id} message={message} />))}
        <div ref={endRef} />
      </div>
    </div>
  )
}

function Question(props: { message: ChatMessageView }) {
  return (
    <div className="message message-user">
      <div className="bubble">{props.message.content}</div>
    </div>
  )
}

function Answer(props: { message: ChatMessageView }) {
  const { chat } = useServices()
  const { message } = props
  const meta = message.answer?.meta
  const sources = message.answer?.sources ?? []
  const cited = message.answer?.citations ?? []
  const [showAll, setShowAll] = useState(false)
  // The passages the answer cites come first; the rest of what the model was given stays one click away.
  const pills = showAll || cited.length === 0 ? sources : cited
  return (
    <article className={`message message-assistant${message.streaming ? ' is-streaming' : ''}`} aria-busy={message.streaming}>
      <header className="answer-meta">
        {meta ? (
          <>
            <span className={`backend-badge backend-${meta.backend}`}>{answerBackendLabel(meta)}</span>
            <span className="answer-timing">{answerTimingLabel(meta)}</span>
            {meta.aborted ? <span className="answer-flag">stopped</span> : null}
            {meta.fallbackReason ? <span className="answer-flag" title={meta.fallbackReason}>fallback</span> : null}
          </>
        ) : message.streaming ? (
          <span className="backend-badge">Thinking…</span>
        ) : null}
      </header>
      <AnswerReasoning reasoning={message.answer?.reasoning} />
      <div className="answer-body" aria-live={message.streaming ? 'polite' : undefined}>
        {message.content ? (
          <AnswerText text={message.content} sources={sources} onOpen={(citation) => chat.openSource(citation)} />
        ) : message.streaming ? (
          <span className="typing" aria-label="Generating">
            <i />
            <i />
            <i />
          </span>
        ) : null}
        {message.streaming && message.content ? <span className="caret" aria-hidden="true" /> : null}
      </div>
      {message.error && message.error.code !== 'aborted' ? (
        <p className="answer-error" role="alert">
          {message.error.message}
        </p>
      ) : null}
      {sources.length > 0 ? (
        <footer className="answer-sources" aria-label="Sources">
          {pills.map((source) => (
            <button key={source.n} type="button" className="source-pill" onClick={() => chat.openSource(source)} title={source.path}>
              <span className="source-number">{source.n}</span>
              <span className="source-name">{source.path.split('/').pop()}</span>
            </button>
          ))}
          {cited.length > 0 && sources.length > cited.length ? (
            <button type="button" className="link-button more-sources" aria-expanded={showAll} onClick={() => setShowAll(!showAll)}>
              {showAll ? 'Only cited passages' : `All ${sources.length} passages`}
            </button>
          ) : null}
        </footer>
      ) : null}
    </article>
  )
}
