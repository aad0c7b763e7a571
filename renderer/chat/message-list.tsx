import { useEffect, useLayoutEffect, useRef, useState } from 'react'
import type { Citation } from '../../shared/answer'
import { AnswerReasoning } from '../components/answer-reasoning'
import { AnswerText } from '../components/answer-text'
import { TimelineChart } from '../components/timeline-chart'
import { useSlice } from '../components/use-store'
import { answerBackendLabel, answerTimingLabel } from '../format/answer-label'
import { queryTerms } from '../format/highlight'
import { plainAnswerError } from '../format/plain-error'
import type { ChatMessageView } from '../stores/chat-store'
import { useServices } from './chat-context'
import { RetrievalAnswer } from './retrieval-answer'
import { SourcesList } from './sources-list'
import { UnderstandingChips, understandingOf } from './understanding-chips'

/** How close to the end counts as "at the bottom" (a line of text and a bit). */
const BOTTOM_SLACK_PX = 48
/** A scroll this soon after the user's own wheel, touch, key or pointer counts as theirs. */
const USER_SCROLL_MS = 800

/**
 * The conversation. A new question scrolls to the top of the view with its answer's first lines under it; a
 * streaming answer is followed only while the user keeps the view at the bottom themselves.
 */
export function MessageList(props: { emptyState: React.ReactNode }) {
  const { chat } = useServices()
  const messages = useSlice(chat, (state) => state.messages)
  const scrollRef = useRef<HTMLDivElement>(null)
  const follow = useRef(false)
  const userInputAt = useRef(0)
  const lastTop = useRef(0)
  const dragging = useRef(false)
  /** Set while the list moves itself, so its own jumps neither start nor stop following. */
  const jumping = useRef(false)
  const lastQuestionId = useRef<string | null>(null)
  const last = messages[messages.length - 1]
  const lastQuestion = [...messages].reverse().find((message) => message.role === 'user')

  useLayoutEffect(() => {
    const scroller = scrollRef.current
    if (!scroller) return
    const jump = (top: number) => {
      const before = scroller.scrollTop
      jumping.current = true
      scroller.scrollTop = top
      // No scroll event comes when nothing moved (already there, or clamped to the same place).
      if (scroller.scrollTop === before) jumping.current = false
    }
    if (lastQuestion && lastQuestion.id !== lastQuestionId.current) {
      lastQuestionId.current = lastQuestion.id
      follow.current = false
      const element = scroller.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(lastQuestion.id)}"]`)
      // A conversation opened from the sidebar starts at its last question too: that is where reading resumes.
      if (element) jump(Math.max(0, element.offsetTop - 12))
      return
    }
    if (follow.current) jump(scroller.scrollHeight)
  }, [messages.length, last?.content, last?.answer, lastQuestion])

  // On the window: Chromium may aim a wheel at the root element while scrolling the list under the pointer, so a
  // listener on the list (or React's delegated one) does not always hear it.
  const hasMessages = messages.length > 0
  useEffect(() => {
    const onWheel = (event: WheelEvent) => {
      const scroller = scrollRef.current
      const target = event.target as Node | null
      if (!scroller || !target || !(scroller.contains(target) || target === document.documentElement || target === document.body)) return
      userInputAt.current = performance.now()
      if (event.deltaY < 0) follow.current = false
    }
    window.addEventListener('wheel', onWheel, { passive: true })
    return () => window.removeEventListener('wheel', onWheel)
  }, [hasMessages])

  if (messages.length === 0) return <div className="messages messages-empty">{props.emptyState}</div>

  const markUserInput = () => {
    userInputAt.current = performance.now()
  }
  // Following stops only on a move up the user makes. A wheel's smooth scroll keeps animating towards the bottom it
  // aimed at after the list has jumped to the new bottom, which looks like a move up in the scroll events; so wheels
  // (the native listener above) and keys say their direction themselves, and only drags (scrollbar, touch) are judged
  // by the position.
  const stopIfUp = (up: boolean) => {
    markUserInput()
    if (up) follow.current = false
  }
  return (
    <div
      ref={scrollRef}
      className="messages"
      role="log"
      aria-label="Conversation"
      onKeyDown={(event) => stopIfUp(['ArrowUp', 'PageUp', 'Home'].includes(event.key))}
      onTouchMove={() => {
        markUserInput()
        dragging.current = true
      }}
      onPointerDown={() => {
        markUserInput()
        dragging.current = true
      }}
      onPointerUp={() => {
        dragging.current = false
      }}
      onScroll={(event) => {
        const element = event.currentTarget
        const top = element.scrollTop
        const movedUp = top < lastTop.current
        lastTop.current = top
        // Only the user's own scrolling starts or stops following; the list's own jumps do not. Reaching the end
        // starts it (a smooth scroll may get there long after the wheel); moving up stops it (see stopIfUp).
        if (jumping.current) {
          jumping.current = false
          return
        }
        // The first frames of a scroll up are still near the end: only a move down (or none) reaches it.
        if (!movedUp && element.scrollHeight - top - element.clientHeight <= BOTTOM_SLACK_PX) follow.current = true
        else if (dragging.current && movedUp && performance.now() - userInputAt.current <= USER_SCROLL_MS) follow.current = false
      }}
    >
      <div className="messages-inner">
        {messages.map((message, index) =>
          message.role === 'user' ? <Question key={message.id} message={message} /> : <Answer key={message.id} message={message} question={messages[index - 1]?.role === 'user' ? messages[index - 1].content : ''} />,
        )}
      </div>
    </div>
  )
}

function Question(props: { message: ChatMessageView }) {
  return (
    <div className="message message-user" data-message-id={props.message.id}>
      <div className="bubble">{props.message.content}</div>
    </div>
  )
}

/** The engine's retrieval-only text starts like this; while it streams, the structured view is a moment away. */
const RETRIEVAL_TEXT_START = 'No model could answer'

/**
 * Why an answer fell back to passages when no answer model is set up at all: the chat's one notice says that (with
 * its actions), so the answers do not repeat it, and an old answer does not keep saying it after the setup.
 */
const NOT_SET_UP = new Set(['gateway-not-configured', 'no-backend', 'model-missing'])

function Answer(props: { message: ChatMessageView; question: string }) {
  const { brain, chat } = useServices()
  const running = useSlice(chat, (state) => state.runningAnswerId !== null)
  const { message, question } = props
  const meta = message.answer?.meta
  const sources = message.answer?.sources ?? []
  const cited = message.answer?.citations ?? []
  const [showAll, setShowAll] = useState(false)
  const retrievalOnly = meta?.backend === 'retrieval-only' && meta.strategy === 'retrieval-only' && sources.length > 0
  const terms = queryTerms(meta?.standaloneQuery ?? question)
  const open = (citation: Citation) => chat.openSource(citation, terms)
  const understanding = meta ? understandingOf(question, meta) : null
  // The passages the answer cites come first; the rest of what the model was given stays one click away.
  const listed = showAll || cited.length === 0 ? sources : cited
  const waitingForPassages = message.streaming && message.content.startsWith(RETRIEVAL_TEXT_START)
  const error =
    message.error && message.error.code !== 'aborted' && !(meta?.backend === 'retrieval-only' && NOT_SET_UP.has(message.error.code)) ? plainAnswerError(message.error) : null
  return (
    <article className={`message message-assistant${message.streaming ? ' is-streaming' : ''}${retrievalOnly ? ' is-retrieval' : ''}`} aria-busy={message.streaming} data-message-id={message.id}>
      <header className="answer-meta">
        {meta ? (
          <>
            <span className={`backend-badge backend-${meta.backend}`}>{answerBackendLabel(meta)}</span>
            <span className="answer-timing">{answerTimingLabel(meta)}</span>
            {meta.aborted ? <span className="answer-flag">stopped</span> : null}
            {meta.fallbackReason && meta.backend !== 'retrieval-only' ? (
              <span className="answer-flag" title={meta.fallbackReason}>
                fallback
              </span>
            ) : null}
          </>
        ) : message.streaming ? (
          <span className="backend-badge">Thinking…</span>
        ) : null}
      </header>
      {understanding && meta ? (
        <UnderstandingChips
          understanding={understanding}
          disabled={running}
          onDropRewrite={() => void chat.ask(question, { withoutHistory: true })}
          onDropPeriod={() => void chat.askWithoutPeriod(meta.standaloneQuery)}
        />
      ) : null}
      <AnswerReasoning reasoning={message.answer?.reasoning} />
      <div className="answer-body" aria-live={message.streaming ? 'polite' : undefined}>
        {retrievalOnly ? (
          <RetrievalAnswer sources={sources} question={question} terms={terms} byDate={meta.period !== null} onOpen={open} />
        ) : message.content && !waitingForPassages ? (
          <AnswerText text={message.content} sources={sources} onOpen={open} />
        ) : message.streaming ? (
          <span className="typing" aria-label="Generating">
            <i />
            <i />
            <i />
          </span>
        ) : null}
        {message.streaming && message.content && !waitingForPassages ? <span className="caret" aria-hidden="true" /> : null}
      </div>
      {error ? (
        <p className="answer-error" role="alert">
          {error}
        </p>
      ) : null}
      {meta && !message.streaming && meta.strategy !== 'no-passages' ? (
        <TimelineChart
          brain={brain}
          query={meta.standaloneQuery}
          label="Timeline of matching weeks"
          onPick={(bucket, result) => {
            if (!running) void chat.askInPeriod(result.searchedText, bucket.phrase)
          }}
        />
      ) : null}
      {!retrievalOnly && sources.length > 0 ? (
        <>
          <SourcesList sources={listed} onOpen={open} />
          {cited.length > 0 && sources.length > cited.length ? (
            <button type="button" className="link-button more-sources" aria-expanded={showAll} onClick={() => setShowAll(!showAll)}>
              {showAll ? 'Only cited passages' : `All ${sources.length} passages given to the model`}
            </button>
          ) : null}
        </>
      ) : null}
    </article>
  )
}
