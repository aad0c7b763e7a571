import type { ModelDownloadStatus, ModelKind } from '../../shared/model-download'
import { ProgressBar } from '../components/progress-bar'
import { formatBytes } from '../format/answer-label'
import { useServices } from './chat-context'

const NAMES: Record<ModelKind, { title: string; detail: string }> = {
  embedding: { title: 'Search model', detail: 'Finds passages by meaning · about 35 MB' },
  chat: { title: 'Answer model (Phi-3.5 mini)', detail: 'Writes answers on this computer · about 2.4 GB' },
}

/** One downloadable model with its progress, as the onboarding and settings show it. */
export function ModelRow(props: { kind: ModelKind; status: ModelDownloadStatus | undefined }) {
  const { brain } = useServices()
  const { kind, status } = props
  const installed = (status?.type === 'idle' && status.installed) || status?.type === 'done'
  const name = NAMES[kind]
  return (
    <div className="model-row" data-model={kind}>
      <div className="model-row-text">
        <div className="model-title">{name.title}</div>
        <div className="model-detail">{name.detail}</div>
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
        {status?.type === 'failed' ? (
          <div className="model-error" role="alert">
            {status.message}
          </div>
        ) : null}
      </div>
      <div className="model-row-action">
        {installed ? (
          <span className="badge badge-ok">Ready</span>
        ) : status?.type === 'downloading' || status?.type === 'verifying' ? (
          <button type="button" className="button button-small" onClick={() => void brain.cancelModelDownload(kind)}>
            Cancel
          </button>
        ) : (
          <button type="button" className="button button-small button-primary" onClick={() => void brain.downloadModel(kind).catch(() => undefined)}>
            {status?.type === 'failed' ? 'Retry' : 'Download'}
          </button>
        )}
      </div>
    </div>
  )
}
