import { createStore } from 'zustand/vanilla'
import type { GatewayStatus } from '../../shared/gateway'
import type { IndexSnapshot } from '../../shared/index-status'
import type { BrainApi, EngineState } from '../../shared/ipc'
import type { ModelDownloadStatus, ModelKind } from '../../shared/model-download'
import type { NotesOverview } from '../../shared/notes-overview'
import type { Settings } from '../../shared/settings'
import type { SyncStatus } from '../../shared/sync'
import { forgetFailure, rememberFailure } from './remembered-failure'

/** Everything the engine and shell push, copied as received (the UI never recomputes a snapshot). */
export interface StatusState {
  index: IndexSnapshot | null
  gateway: GatewayStatus | null
  sync: SyncStatus | null
  engine: EngineState
  settings: Settings | null
  models: Partial<Record<ModelKind, ModelDownloadStatus>>
  hasGatewayToken: boolean
  /** What the notes hold (onboarding summary, example prompts); refreshed whenever a pass settles. */
  overview: NotesOverview | null
}

export type StatusStore = ReturnType<typeof createStatusStore>

/** Creates the status store; `connect` subscribes to pushed snapshots, then fills in what has not arrived yet. */
export function createStatusStore() {
  const store = createStore<StatusState>(() => ({
    index: null,
    gateway: null,
    sync: null,
    engine: { type: 'starting' },
    settings: null,
    models: {},
    hasGatewayToken: false,
    overview: null,
  }))

  const refreshOverview = (brain: BrainApi): Promise<void> =>
    brain.getNotesOverview().then(
      (overview) => store.setState({ overview }),
      (error: unknown) => console.warn('[status] notes overview failed', error),
    )

  const connect = (brain: BrainApi): (() => void) => {
    const offs = [
      brain.on('index-status', (index) => {
        const before = store.getState().index?.phase.type
        store.setState({ index })
        if (index.phase.type === 'ready' && before !== 'ready') void refreshOverview(brain)
      }),
      brain.on('gateway-status', (gateway) => store.setState({ gateway })),
      brain.on('sync-status', (sync) => store.setState({ sync })),
      brain.on('engine-state', (engine) => {
        store.setState({ engine })
        // After a restart the engine's state may have moved on while nothing could be pushed.
        if (engine.type === 'running') void load(brain, true)
      }),
      brain.on('settings-change', (settings) => store.setState({ settings })),
      brain.on('model-download', (status) => {
        // Failures outlive the window: after a restart the app still says the download failed and offers Retry.
        if (status.type === 'failed') rememberFailure(status.kind, status.message)
        if (status.type === 'done') forgetFailure(status.kind)
        store.setState((state) => ({ models: { ...state.models, [status.kind]: status } }))
      }),
    ]
    void load(brain, false)
    return () => offs.forEach((off) => off())
  }

  /** Initial values; a snapshot pushed while a request was in flight is newer, so it wins unless `replace`. */
  const load = async (brain: BrainApi, replace: boolean): Promise<void> => {
    const keep = <K extends keyof StatusState>(key: K, value: StatusState[K]) => {
      if (replace || store.getState()[key] === null) store.setState({ [key]: value } as Partial<StatusState>)
    }
    const settle = <T>(promise: Promise<T>, apply: (value: T) => void) =>
      promise.then(apply, (error: unknown) => console.warn('[status] initial load failed', error))
    await Promise.all([
      settle(brain.getStatus(), (value) => {
        keep('index', value)
        if (value.phase.type === 'ready') void refreshOverview(brain)
        // An answered call proves the engine runs; a shell that pushed no engine-state yet must not show "starting".
        if (store.getState().engine.type === 'starting') store.setState({ engine: { type: 'running' } })
      }),
      settle(brain.getGatewayStatus(), (value) => keep('gateway', value)),
      settle(brain.getSyncStatus(), (value) => keep('sync', value)),
      settle(brain.getSettings(), (value) => keep('settings', value)),
      settle(brain.hasGatewayToken(), (hasGatewayToken) => store.setState({ hasGatewayToken })),
      ...(['embedding', 'chat'] as const).map((kind) =>
        settle(brain.getModelStatus(kind), (status) => {
          if (replace || !store.getState().models[kind]) store.setState((state) => ({ models: { ...state.models, [kind]: status } }))
        }),
      ),
    ])
  }

  return Object.assign(store, { connect, load, refreshOverview })
}
