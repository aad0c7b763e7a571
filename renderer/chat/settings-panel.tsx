import { useEffect, useState } from 'react'
import { toErrorData } from '../../shared/errors'
import type { ShellMethods } from '../../shared/ipc'
import { ROUTING_POLICIES, type Settings, type SettingsPatch } from '../../shared/settings'
import { useSlice } from '../components/use-store'
import { useServices } from './chat-context'
import { GatewayFields } from './gateway-fields'
import { ModelRow } from './model-row'

const POLICY_LABELS: Record<Settings['routing']['policy'], string> = {
  'local-only': 'Local only (never use the gateway)',
  auto: 'Automatic (local first, gateway for big questions)',
  'prefer-gateway': 'Prefer the gateway',
}

/** Every user-facing setting; each change is saved at once through `updateSettings`. */
export function SettingsPanel(props: { onClose(): void }) {
  const { brain, status } = useServices()
  const settings = useSlice(status, (state) => state.settings)
  const models = useSlice(status, (state) => state.models)
  const [shortcut, setShortcut] = useState<ReturnType<ShellMethods['getShortcutStatus']> | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    brain.getShortcutStatus().then(setShortcut, () => setShortcut(null))
  }, [brain])

  if (!settings) return null

  const save = async (patch: SettingsPatch) => {
    setError(null)
    try {
      status.setState({ settings: await brain.updateSettings(patch) })
    } catch (caught) {
      setError(toErrorData(caught).message)
    }
  }

  const changeFolder = async () => {
    const picked = await brain.pickFolder().catch(() => null)
    if (picked) await save({ folder: picked })
  }

  return (
    <div className="modal-backdrop" onMouseDown={(event) => event.target === event.currentTarget && props.onClose()}>
      <div
        className="modal settings"
        role="dialog"
        aria-modal="true"
        aria-labelledby="settings-title"
        onKeyDown={(event) => {
          if (event.key === 'Escape') props.onClose()
        }}
      >
        <header className="modal-header">
          <h1 id="settings-title">Settings</h1>
          <button type="button" className="icon-button" aria-label="Close settings" onClick={props.onClose} autoFocus>
            ×
          </button>
        </header>
        {error ? (
          <p className="form-error" role="alert">
            {error}
          </p>
        ) : null}
        <section className="settings-section">
          <h2>Notes folder</h2>
          <div className="field-row">
            <code className="folder-path">{settings.folder ?? 'Not chosen'}</code>
            <button type="button" className="button button-small" onClick={() => void changeFolder()}>
              Change…
            </button>
          </div>
        </section>
        <section className="settings-section">
          <h2>Models</h2>
          <ModelRow kind="embedding" status={models.embedding} />
          <ModelRow kind="chat" status={models.chat} />
          <label className="field">
            <span>Answer model threads (0 = automatic: one fewer than the cores)</span>
            <input
              className="input input-narrow"
              type="number"
              min={0}
              max={64}
              defaultValue={settings.llm.threads}
              onBlur={(event) => void save({ llm: { threads: Number(event.target.value) } })}
            />
          </label>
        </section>
        <section className="settings-section">
          <h2>Answers</h2>
          <label className="field">
            <span>Routing</span>
            <select className="input" value={settings.routing.policy} onChange={(event) => void save({ routing: { policy: event.target.value as Settings['routing']['policy'] } })}>
              {ROUTING_POLICIES.map((policy) => (
                <option key={policy} value={policy}>
                  {POLICY_LABELS[policy]}
                </option>
              ))}
            </select>
          </label>
        </section>
        <section className="settings-section">
          <h2>Homelab gateway</h2>
          <GatewayFields />
          <div className="field-grid">
            <label className="field">
              <span>Small model</span>
              <input className="input" defaultValue={settings.gateway.smallModel} onBlur={(event) => void save({ gateway: { smallModel: event.target.value } })} />
            </label>
            <label className="field">
              <span>Large model</span>
              <input className="input" defaultValue={settings.gateway.largeModel} onBlur={(event) => void save({ gateway: { largeModel: event.target.value } })} />
            </label>
          </div>
        </section>
        <section className="settings-section">
          <h2>Appearance and shortcut</h2>
          <label className="field">
            <span>Theme</span>
            <select className="input" value={settings.ui.theme} onChange={(event) => void save({ ui: { theme: event.target.value as Settings['ui']['theme'] } })}>
              <option value="system">Follow the system</option>
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </select>
          </label>
          <label className="field">
            <span>Quick-search shortcut</span>
            <input
              className="input"
              defaultValue={settings.ui.quickSearchShortcut}
              onBlur={(event) => void save({ ui: { quickSearchShortcut: event.target.value } }).then(() => brain.getShortcutStatus().then(setShortcut))}
            />
          </label>
          {shortcut && !shortcut.registered ? (
            <p className="form-error" role="alert">
              {shortcut.message ?? `${shortcut.accelerator} could not be registered.`}
            </p>
          ) : null}
        </section>
      </div>
    </div>
  )
}
