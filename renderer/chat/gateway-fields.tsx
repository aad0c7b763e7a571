import { useState } from 'react'
import type { GatewayStatus } from '../../shared/gateway'
import { toErrorData } from '../../shared/errors'
import { useSlice } from '../components/use-store'
import { checkGatewayUrl } from '../format/gateway-url-check'
import { useServices } from './chat-context'

/** The result of "Save and test" in words, with the reason the gateway gave. */
export function gatewayTestText(gateway: GatewayStatus | null): { tone: 'ok' | 'warn' | 'error' | 'off'; text: string } {
  switch (gateway?.type) {
    case undefined:
    case 'not-configured':
      return { tone: 'off', text: 'Not set up.' }
    case 'disabled':
      return { tone: 'off', text: 'Off: answers stay on this computer (local only).' }
    case 'probing':
      return { tone: 'off', text: 'Testing…' }
    case 'reachable':
      return { tone: 'ok', text: `Connected in ${gateway.latencyMs} ms${gateway.models.length > 0 ? `; models: ${gateway.models.slice(0, 4).join(', ')}${gateway.models.length > 4 ? '…' : ''}` : ''}.` }
    case 'unreachable':
      return { tone: 'error', text: `Not reachable: ${gateway.message}` }
    case 'unauthorized':
      return { tone: 'error', text: `The gateway refused the token: ${gateway.message}` }
    case 'rate-limited':
      return { tone: 'warn', text: `Reachable, but busy: it asks to wait until ${new Date(gateway.retryAt).toLocaleTimeString()}.` }
  }
}

/** Gateway URL (a setting) and token (kept in the OS keychain by the shell, never in settings). */
export function GatewayFields() {
  const { brain, status } = useServices()
  const settings = useSlice(status, (state) => state.settings)
  const gateway = useSlice(status, (state) => state.gateway)
  const hasToken = useSlice(status, (state) => state.hasGatewayToken)
  const [url, setUrl] = useState(settings?.gateway.baseUrl ?? '')
  const [token, setToken] = useState('')
  const [message, setMessage] = useState<string | null>(null)
  const [tested, setTested] = useState(false)
  const check = checkGatewayUrl(url)
  const insecureAllowed = settings?.gateway.allowInsecureHttp ?? false

  const save = async () => {
    setMessage(null)
    if (check.type === 'invalid') {
      setMessage(check.message)
      return
    }
    try {
      const next = await brain.updateSettings({ gateway: { baseUrl: url.trim() || null } })
      status.setState({ settings: next })
      if (token) {
        status.setState({ hasGatewayToken: await brain.setGatewayToken(token) })
        setToken('')
      }
      status.setState({ gateway: await brain.probeGateway() })
      setTested(true)
    } catch (caught) {
      setMessage(toErrorData(caught).message)
    }
  }
  const result = gatewayTestText(gateway)

  return (
    <div className="gateway-fields">
      <label className="field">
        <span>Gateway URL</span>
        <input
          className="input"
          type="url"
          placeholder="https://llm.homelab.lan/v1"
          value={url}
          aria-invalid={check.type === 'invalid' || (check.type === 'insecure' && !insecureAllowed)}
          aria-describedby="gateway-url-check"
          onChange={(event) => {
            setUrl(event.target.value)
            setTested(false)
          }}
        />
      </label>
      <div id="gateway-url-check">
        {check.type === 'insecure' ? (
          <p className="field-warning" role="alert">
            <strong>http:// is not encrypted.</strong> Your token and the passages sent with each question would cross the network readable to anyone on it.{' '}
            {insecureAllowed ? 'Insecure http is allowed in settings.' : 'Use https://, or the gateway will refuse to connect (only this computer may use http://).'}
          </p>
        ) : check.type === 'invalid' ? (
          <p className="field-warning" role="alert">
            {check.message}
          </p>
        ) : null}
      </div>
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
      </div>
      <p className={`gateway-test gateway-test-${result.tone}`} role="status" aria-label="Gateway test" data-tested={tested}>
        <span className={`dot dot-${result.tone === 'warn' ? 'warn' : result.tone}`} aria-hidden="true" /> {result.text}
      </p>
      {message ? (
        <p className="form-error" role="alert">
          {message}
        </p>
      ) : null}
    </div>
  )
}
