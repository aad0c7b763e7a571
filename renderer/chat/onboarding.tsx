import { useState } from 'react'
import { toErrorData } from '../../shared/errors'
import { ProgressBar } from '../components/progress-bar'
import { useSlice } from '../components/use-store'
import { overviewSummary } from '../format/example-prompts'
import { GatewayFields } from './gateway-fields'
import { useServices } from './chat-context'
import { ModelRow } from './model-row'

/**
 * First run: choose the folder, watch it being indexed (its own step, with live counts and then what was found),
 * then get the models or use the gateway. Nothing is downloaded until the user says so here.
 */
export function Onboarding(props: { onDone(): void }) {
  const { brain, status } = useServices()
  const settings = useSlice(status, (state) => state.settings)
  const models = useSlice(status, (state) => state.models)
  const index = useSlice(status, (state) => state.index)
  const overview = useSlice(status, (state) => state.overview)
  const [error, setError] = useState<string | null>(null)
  const [useGateway, setUseGateway] = useState(false)
  const folder = settings?.folder ?? null

  const chooseFolder = async () => {
    setError(null)
    try {
      const picked = await brain.pickFolder()
      if (picked) status.setState({ settings: await brain.updateSettings({ folder: picked }) })
    } catch (caught) {
      setError(toErrorData(caught).message)
    }
  }

  const phase = index?.phase
  const indexed = folder !== null && phase?.type === 'ready' && index?.folder === folder
  return (
    <div className="onboarding" role="dialog" aria-modal="true" aria-labelledby="onboarding-title">
      <div className="onboarding-card">
        <h1 id="onboarding-title">Welcome to your second brain</h1>
        <p className="lead">Ask questions about your weekly logs. Everything stays on this computer unless you set up your gateway.</p>

        <section className="onboarding-step" aria-labelledby="step-folder">
          <div className={`step-number${folder ? ' is-done' : ''}`}>{folder ? '✓' : '1'}</div>
          <div className="step-body">
            <h2 id="step-folder">Choose your notes folder</h2>
            {folder ? <p className="folder-path">{folder}</p> : <p className="muted">The folder with your markdown weekly logs.</p>}
            {error ? (
              <p className="form-error" role="alert">
                {error}
              </p>
            ) : null}
            <button type="button" className={`button${folder ? '' : ' button-primary'}`} onClick={() => void chooseFolder()} autoFocus>
              {folder ? 'Change folder…' : 'Choose folder…'}
            </button>
          </div>
        </section>

        <section className={`onboarding-step${folder ? '' : ' is-disabled'}`} aria-labelledby="step-index">
          <div className={`step-number${indexed ? ' is-done' : ''}`}>{indexed ? '✓' : '2'}</div>
          <div className="step-body">
            <h2 id="step-index">Read your notes</h2>
            <div className="index-step" role="status" aria-label="Indexing" aria-live="polite">
              {!folder ? (
                <p className="muted">Your notes are read and indexed on this computer; nothing leaves it.</p>
              ) : indexed && overview ? (
                <p className="index-summary">
                  <strong>{overviewSummary(overview)}</strong>
                </p>
              ) : phase?.type === 'indexing' ? (
                <>
                  <p>
                    Reading notes: <strong>{phase.done.toLocaleString('en-GB')}</strong> of {phase.total.toLocaleString('en-GB')}
                  </p>
                  <ProgressBar value={phase.done} max={phase.total} label={`Indexed ${phase.done} of ${phase.total} notes`} />
                </>
              ) : phase?.type === 'embedding' ? (
                <>
                  <p>
                    {index!.files.toLocaleString('en-GB')} notes read; preparing search by meaning: {phase.done.toLocaleString('en-GB')} of {phase.total.toLocaleString('en-GB')} passages
                  </p>
                  <ProgressBar value={phase.done} max={phase.total} label={`Embedded ${phase.done} of ${phase.total} passages`} />
                </>
              ) : phase?.type === 'error' ? (
                <p className="form-error">{phase.error.message}</p>
              ) : phase?.type === 'paused' && phase.reason === 'folder-unavailable' ? (
                <p className="form-error">The folder cannot be read right now.</p>
              ) : (
                <>
                  <p className="muted">Looking through the folder…</p>
                  <ProgressBar value={null} label="Scanning the folder" />
                </>
              )}
            </div>
          </div>
        </section>

        <section className={`onboarding-step${folder ? '' : ' is-disabled'}`} aria-labelledby="step-models">
          <div className="step-number">3</div>
          <div className="step-body">
            <h2 id="step-models">Get the models (optional)</h2>
            <p className="muted">Search and passage answers work already. The models add search by meaning and written answers; nothing downloads until you choose.</p>
            <ModelRow kind="embedding" status={models.embedding} />
            {useGateway ? (
              <div className="gateway-choice">
                <GatewayFields />
                <button type="button" className="link-button" onClick={() => setUseGateway(false)}>
                  Download the local answer model instead
                </button>
              </div>
            ) : (
              <>
                <ModelRow kind="chat" status={models.chat} />
                <button type="button" className="link-button" onClick={() => setUseGateway(true)}>
                  Skip Phi-3 and use my homelab gateway
                </button>
              </>
            )}
          </div>
        </section>

        <div className="onboarding-footer">
          <span className="muted">You can change all of this later in Settings.</span>
          <button type="button" className="button button-primary" disabled={!folder} onClick={props.onDone}>
            Start asking
          </button>
        </div>
      </div>
    </div>
  )
}
