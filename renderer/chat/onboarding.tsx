import { useState } from 'react'
import { toErrorData } from '../../shared/errors'
import { useSlice } from '../components/use-store'
import { GatewayFields } from './gateway-fields'
import { useServices } from './chat-context'
import { ModelRow } from './model-row'

/** First run: choose the folder, then get the models (or use the gateway instead of the local answer model). */
export function Onboarding(props: { onDone(): void }) {
  const { brain, status } = useServices()
  const settings = useSlice(status, (state) => state.settings)
  const models = useSlice(status, (state) => state.models)
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

        <section className={`onboarding-step${folder ? '' : ' is-disabled'}`} aria-labelledby="step-models">
          <div className="step-number">2</div>
          <div className="step-body">
            <h2 id="step-models">Get the models</h2>
            <p className="muted">Search works right away with keywords; the models add search by meaning and written answers.</p>
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
