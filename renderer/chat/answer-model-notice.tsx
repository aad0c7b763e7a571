import { useState } from 'react'
import { ProgressBar } from '../components/progress-bar'
import { useSlice } from '../components/use-store'
import { formatBytes } from '../format/answer-label'
import { plainModelFailure } from '../format/plain-error'
import { forgetFailure, rememberedFailure } from '../stores/remembered-failure'
import { useServices } from './chat-context'

const DISMISSED_KEY = 'notes-rag.answer-model-notice.dismissed'

/**
 * The one notice shown while no model can write answers: what that means and the two ways out (download the local
 * model, or set up the gateway). Answers never repeat it. A failed download says so in plain words, with one Retry,
 * also after a restart.
 */
export function AnswerModelNotice(props: { onSetUpGateway(): void }) {
  const { brain, status } = useServices()
  const chat = useSlice(status, (state) => state.models.chat)
  const gateway = useSlice(status, (state) => state.gateway)
  const settings = useSlice(status, (state) => state.settings)
  const [dismissed, setDismissed] = useState(() => readDismissed())
  const installed = (chat?.type === 'idle' && chat.installed) || chat?.type === 'done'
  if (!settings || installed || gateway?.type === 'reachable') return null
  const remembered = chat?.type === 'idle' ? rememberedFailure('chat') : null
  const failure = chat?.type === 'failed' ? plainModelFailure('chat', chat.message) : remembered ? plainModelFailure('chat', remembered.message) : null
  const download = () => {
    forgetFailure('chat')
    void brain.downloadModel('chat').catch(() => undefined)
  }
  if (chat?.type === 'downloading' || chat?.type === 'verifying') {
    return (
      <div className="notice notice-info answer-notice" role="status" aria-label="Answer model">
        <div className="notice-text">
          <strong>Downloading the answer model…</strong>
          {chat.type === 'downloading' ? (
            <span className="muted">
              {' '}
              {formatBytes(chat.loadedBytes)}
              {chat.totalBytes ? ` of ${formatBytes(chat.totalBytes)}` : ''}
              {chat.etaSeconds !== null ? ` · ${Math.ceil(chat.etaSeconds)} s left` : ''}
            </span>
          ) : (
            <span className="muted"> checking the file…</span>
          )}
          {chat.type === 'downloading' ? <ProgressBar value={chat.totalBytes ? chat.loadedBytes : null} max={chat.totalBytes ?? 1} label="Answer model download" /> : null}
        </div>
        <div className="notice-actions">
          <button type="button" className="button button-small" onClick={() => void brain.cancelModelDownload('chat')}>
            Cancel
          </button>
        </div>
      </div>
    )
  }
  if (failure) {
    return (
      <div className="notice notice-warn answer-notice" role="alert" aria-label="Answer model">
        <div className="notice-text">
          <strong>{failure.text}</strong> <span>{failure.next}</span>
          {remembered && chat?.type !== 'failed' ? <span className="muted"> (last tried {new Date(remembered.at).toLocaleString()})</span> : null}
        </div>
        <div className="notice-actions">
          <button type="button" className="button button-small button-primary" onClick={download}>
            Retry
          </button>
          {settings.routing.policy !== 'local-only' ? (
            <button type="button" className="button button-small" onClick={props.onSetUpGateway}>
              Use my gateway
            </button>
          ) : null}
        </div>
      </div>
    )
  }
  if (dismissed) return null
  const gatewayDown = gateway?.type === 'unreachable'
  return (
    <div className="notice notice-info answer-notice" role="status" aria-label="Answer model">
      <div className="notice-text">
        <strong>{gatewayDown ? 'The gateway is not reachable right now.' : 'No answer model yet.'}</strong>{' '}
        <span>Questions are answered with the matching passages from your notes until one is set up.</span>
      </div>
      <div className="notice-actions">
        <button type="button" className="button button-small button-primary" onClick={download}>
          Download answer model <span className="muted-inline">(2.4 GB)</span>
        </button>
        {settings.routing.policy !== 'local-only' ? (
          <button type="button" className="button button-small" onClick={props.onSetUpGateway}>
            {gatewayDown ? 'Check the gateway' : 'Set up the gateway'}
          </button>
        ) : null}
        <button
          type="button"
          className="link-button"
          onClick={() => {
            writeDismissed()
            setDismissed(true)
          }}
        >
          Not now
        </button>
      </div>
    </div>
  )
}

function readDismissed(): boolean {
  try {
    return globalThis.localStorage?.getItem(DISMISSED_KEY) === '1'
  } catch {
    return false
  }
}

function writeDismissed(): void {
  try {
    globalThis.localStorage?.setItem(DISMISSED_KEY, '1')
  } catch {
    // Without storage the notice just comes back next time.
  }
}
