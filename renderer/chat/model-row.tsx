import { useState } from 'react'
import type { ModelDownloadStatus, ModelKind } from '../../shared/model-download'
import { DEFAULT_CHAT_MODEL, DEFAULT_EMBEDDING_MODEL } from '../../shared/settings'
import { ProgressBar } from '../components/progress-bar'
import { useSlice } from '../components/use-store'
import { formatBytes, shortModelName } from '../format/answer-label'
import { plainModelFailure } from '../format/plain-error'
import { forgetFailure, rememberedFailure } from '../stores/remembered-failure'
import { useServices } from './chat-context'

const NAMES: Record<ModelKind, { title: string; purpose: string; defaultModel: string; defaultSize: string }> = {
  embedding: { title: 'Search model', purpose: 'finds passages by meaning', defaultModel: DEFAULT_EMBEDDING_MODEL, defaultSize: 'about 35 MB' },
  chat: { title: 'Answer model', purpose: 'writes answers on this computer', defaultModel: DEFAULT_CHAT_MODEL, defaultSize: 'about 2.4 GB' },
}

/** One downloadable model with its progress, as the onboarding and settings show it. */
export function ModelRow(props: { kind: ModelKind; status: ModelDownloadStatus | undefined }) {
  const { brain, status: statusStore } = useServices()
  const { kind, status } = props
  const model = useSlice(statusStore, (state) => (kind === 'chat' ? state.settings?.llm.model : state.settings?.embedding.model)) ?? NAMES[kind].defaultModel
  const installed = (status?.type === 'idle' && status.installed) || status?.type === 'done'
  const busy = status?.type === 'downloading' || status?.type === 'verifying'
  // The engine reports a stopped download as plain idle; only this row knows the user asked for it.
  const [cancelled, setCancelled] = useState(false)
  const cancel = () => {
    setCancelled(true)
    brain.cancelModelDownload(kind).then(
      (stopped) => stopped || setCancelled(false),
      () => setCancelled(false),
    )
  }
  // A failure from an earlier run is remembered, so the row still offers Retry rather than a fresh "Download".
  const remembered = status?.type === 'idle' && !installed ? rememberedFailure(kind) : null
  const failureMessage = status?.type === 'failed' ? status.message : (remembered?.message ?? null)
  const failure = failureMessage ? plainModelFailure(kind, failureMessage) : null
  const download = () => {
    setCancelled(false)
    forgetFailure(kind)
    void brain.downloadModel(kind).catch(() => undefined)
  }
  const name = NAMES[kind]
  const detail = [shortModelName(model), name.purpose, ...(model === name.defaultModel ? [name.defaultSize] : [])].join(' · ')
  return (
    <div className="model-row" data-model={kind}>
      <div className="model-row-text">
        <div className="model-title">{name.title}</div>
        <div className="model-detail" title={model}>
          {detail}
        </div>
        {status?.type === 'downloading' ? (
          <div className="model-progress">
            <ProgressBar value={status.totalBytes ? status.loadedBytes : null} max={status.totalBytes ?? 1} label={`${name.title} download`} />
            <span className="model-progress-text">
              {formatBytes(status.loadedBytes)}
              {status.totalBytes ? ` of ${formatBytes(status.totalBytes)}` : ''}
              {status.etaSeconds !== null ? ` · ${Math.ceil(status.etaSeconds)} s left` : ''}
            </span>
          </div>
        ) : null}
        {status?.type === 'verifying' ? <div className="model-detail">Verifying…</div> : null}
        {cancelled && !busy && !installed && status?.type !== 'failed' ? (
          <div className="model-detail model-cancelled" role="status">
            Download cancelled.
          </div>
        ) : null}
        {failure && !busy ? (
          <div className="model-error" role="alert" title={failureMessage ?? undefined}>
            {failure.text} <span className="model-error-next">{failure.next}</span>
          </div>
        ) : null}
      </div>
      <div className="model-row-action">
        {installed ? (
          <span className="badge badge-ok">Ready</span>
        ) : busy ? (
          <button type="button" className="button button-small" disabled={cancelled} onClick={cancel}>
            {cancelled ? 'Cancelling…' : 'Cancel'}
          </button>
        ) : (
          <button type="button" className="button button-small button-primary" onClick={download}>
            {failure ? 'Retry' : 'Download'}
          </button>
        )}
      </div>
    </div>
  )
}
