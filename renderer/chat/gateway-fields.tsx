import { useState } from 'react'
import { toErrorData } from '../../shared/errors'
import { useSlice } from '../components/use-store'
import { gatewayText } from '../components/status-text'
import { useServices } from './chat-context'

/** Gateway URL (a setting) and token (kept in the OS keychain by the shell, never in settings). */
export function GatewayFields() {
  const { brain, status } = useServices()
  const settings = useSlice(status, (state) => state.settings)
  const gateway = useSlice(status, (state) => state.gateway)
  const hasToken = useSlice(status, (state) => state.hasGatewayToken)
  const [url, setUrl] = useState(settings?.gateway.baseUrl ?? '')
  const [token, setToken] = useState('')
  const [message, setMessage] = useState<string | null>(null)

  const save = async () => {
    setMessage(null)
    try {
      const next = await brain.updateSettings({ gateway: { baseUrl: url.trim() || null } })
      status.setState({ settings: next })
      if (token) {
        status.setState({ hasGatewayToken: await brain.setGatewayToken(token) })
        setToken('')
      }
      status.setState({ gateway: await brain.probeGateway() })
    } catch (caught) {
      setMessage(toErrorData(caught).message)
    }
  }

  return (
    <div className="gateway-fields">
      <label className="field">
        <span>Gateway URL</span>
        <input className="input" type="url" placeholder="https://llm.homelab.lan/v1" value={url} onChange={(event) => setUrl(event.target.value)} />
      </label>
      <label className="field">
        <span>Token {hasToken ? <em className="muted">(saved; type to replace)</em> : null}</span>
        <input className="input" type="password" autoComplete="off" value={token} onChange={(event) => setToken(event.target.value)} />
      </label>
      <div className="field-row">
        <button type="button" className="button button-small" onClick={() => void save()}>
          Save and test
        </button>
        {hasToken ? (
          <button
            type="button"
            className="button button-small"
            onClick={() => void brain.setGatewayToken(null).then((has) => status.setState({ hasGatewayToken: has }))}
          >
            Forget token
          </button>
        ) : null}
        <span className="muted">{gatewayText(gateway).text}</span>
      </div>
      {message ? (
        <p className="form-error" role="alert">
          {message}
        </p>
      ) : null}
    </div>
  )
}
