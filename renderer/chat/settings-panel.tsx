import { useEffect, useRef, useState } from 'react'
import { toErrorData } from '../../shared/errors'
import type { ShellMethods } from '../../shared/ipc'
import { ROUTING_POLICIES, type Settings, type SettingsPatch } from '../../shared/settings'
import { useSlice } from '../components/use-store'
import { useServices } from './chat-context'
import { GatewayFields } from './gateway-fields'
import { McpRow } from './mcp-row'
import { ModelRow } from './model-row'

const POLICY_LABELS: Record<Settings['routing']['policy'], string> = {
  'local-only': 'Local only (never use the gateway)',
  auto: 'Automatic (local first, gateway for big questions)',
  'prefer-gateway': 'Prefer the gateway',
}

/** The settings' sections, in order; the chat opens the panel at one of them (e.g. "Set up the gateway"). */
export const SETTINGS_SECTIONS = [
  ['folder', 'Notes folder'],
  ['search', 'Search model'],
  ['answer', 'Answer model'],
  ['gateway', 'Gateway'],
  ['mcp', 'Other assistants'],
  ['appearance', 'Appearance'],
  ['shortcuts', 'Shortcuts'],
] as const

export type SettingsSection = (typeof SETTINGS_SECTIONS)[number][0]

/** Every user-facing setting, in sections with a contents list; each change is saved at once through `updateSettings`. */
export function SettingsPanel(props: { onClose(): void; initialSection?: SettingsSection }) {
  const { brain, status } = useServices()
  const settings = useSlice(status, (state) => state.settings)
  const models = useSlice(status, (state) => state.models)
  const index = useSlice(status, (state) => state.index)
  const [shortcut, setShortcut] = useState<ReturnType<ShellMethods['getShortcutStatus']> | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [current, setCurrent] = useState<SettingsSection>(props.initialSection ?? 'folder')
  const bodyRef = useRef<HTMLDivElement>(null)

  useEffect(() => {
    brain.getShortcutStatus().then(setShortcut, () => setShortcut(null))
  }, [brain])

  // Escape closes the panel wherever the focus is (after a field's blur it is on the page, not in the dialog).
  const { onClose } = props
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !event.defaultPrevented) onClose()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [onClose])

  const go = (section: SettingsSection) => {
    setCurrent(section)
    bodyRef.current?.querySelector(`#settings-${section}`)?.scrollIntoView?.({ block: 'start' })
  }

  useEffect(() => {
    if (props.initialSection && props.initialSection !== 'folder') bodyRef.current?.querySelector(`#settings-${props.initialSection}`)?.scrollIntoView?.({ block: 'start' })
  }, [props.initialSection, settings !== null])

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
      >
        <header className="modal-header">
          <h1 id="settings-title">Settings</h1>
          <button type="button" className="icon-button" aria-label="Close settings" onClick={props.onClose} autoFocus>
            ×
          </button>
        </header>
        <div className="settings-layout">
          <nav className="settings-nav" aria-label="Settings sections">
            {SETTINGS_SECTIONS.map(([id, label]) => (
              <button key={id} type="button" className={`settings-nav-item${current === id ? ' is-current' : ''}`} aria-current={current === id ? 'true' : undefined} onClick={() => go(id)}>
                {label}
              </button>
            ))}
          </nav>
          <div className="settings-body" ref={bodyRef}>
            {error ? (
              <p className="form-error" role="alert">
                {error}
              </p>
            ) : null}
            <section className="settings-section" id="settings-folder" aria-labelledby="settings-folder-title">
              <h2 id="settings-folder-title">Notes folder</h2>
              <div className="field-row">
                <code className="folder-path">{settings.folder ?? 'Not chosen'}</code>
                <button type="button" className="button button-small" onClick={() => void changeFolder()}>
                  Change…
                </button>
              </div>
              {index && settings.folder ? (
                <p className="muted">
                  {index.files.toLocaleString('en-GB')} notes, {index.chunks.toLocaleString('en-GB')} passages indexed. Your notes are only read, never changed.
                </p>
              ) : null}
              <label className="field-check">
                <input type="checkbox" checked={settings.indexing.paused} onChange={(event) => void save({ indexing: { paused: event.target.checked } })} />
                <span>Pause indexing</span>
              </label>
            </section>
            <section className="settings-section" id="settings-search" aria-labelledby="settings-search-title">
              <h2 id="settings-search-title">Search model</h2>
              <p className="muted">Finds passages by meaning as well as by their words. Keyword search works without it.</p>
              <ModelRow kind="embedding" status={models.embedding} />
            </section>
            <section className="settings-section" id="settings-answer" aria-labelledby="settings-answer-title">
              <h2 id="settings-answer-title">Answer model</h2>
              <p className="muted">Writes answers on this computer. Without it (or the gateway), questions are answered with the matching passages.</p>
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
            <section className="settings-section" id="settings-gateway" aria-labelledby="settings-gateway-title">
              <h2 id="settings-gateway-title">Gateway</h2>
              <p className="muted">Your homelab's OpenAI-compatible service, used for answers when it is reachable.</p>
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
            <section className="settings-section" id="settings-mcp" aria-labelledby="settings-mcp-title">
              <h2 id="settings-mcp-title">Use your notes in other assistants (MCP)</h2>
              <McpRow />
            </section>
            <section className="settings-section" id="settings-appearance" aria-labelledby="settings-appearance-title">
              <h2 id="settings-appearance-title">Appearance</h2>
              <label className="field">
                <span>Theme</span>
                <select className="input" value={settings.ui.theme} onChange={(event) => void save({ ui: { theme: event.target.value as Settings['ui']['theme'] } })}>
                  <option value="system">Follow the system</option>
                  <option value="light">Light</option>
                  <option value="dark">Dark</option>
                </select>
              </label>
            </section>
            <section className="settings-section" id="settings-shortcuts" aria-labelledby="settings-shortcuts-title">
              <h2 id="settings-shortcuts-title">Shortcuts</h2>
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
              <dl className="shortcut-list">
                <dt>
                  <kbd>Ctrl</kbd> <kbd>K</kbd>
                </dt>
                <dd>Search the notes from the chat</dd>
                <dt>
                  <kbd>Enter</kbd>
                </dt>
                <dd>Ask; Shift+Enter adds a line</dd>
                <dt>
                  <kbd>Esc</kbd>
                </dt>
                <dd>Stop the answer, or close the source panel</dd>
              </dl>
            </section>
          </div>
        </div>
      </div>
    </div>
  )
}
