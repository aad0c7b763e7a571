import type { AnswerDelta, AnswerEnd, AskRequest } from './answer'
import type { Conversation, ConversationSummary } from './conversation'
import type { GatewayStatus } from './gateway'
import type { IndexSnapshot, IndexSummary } from './index-status'
import type { ModelDownloadStatus, ModelKind } from './model-download'
import type { NoteSection, NotesOverview, TimelineResult } from './notes-overview'
import type { SearchOptions, SearchResult, SearchHit } from './search'
import type { Settings, SettingsPatch } from './settings'
import type { SyncReport, SyncStatus } from './sync'
import type { RpcOutcome } from './rpc/protocol'

/**
 * Methods the engine serves. The engine runs in a utilityProcess in the app, in-process in the CLI and tests,
 * and behind a WebSocket bridge for browser tests; every front end calls it through this one map.
 */
export interface EngineMethods {
  getStatus(): IndexSnapshot
  /** Runs one incremental pass now (the CLI's `index`); resolves when the folder is settled. */
  reindex(): IndexSummary
  /**
   * Applies the removals held while the folder looked emptied or replaced (`folderState: 'suspect'`): the user
   * confirmed the notes are really gone. Runs one full pass; resolves with its summary.
   */
  confirmRemovals(): IndexSummary
  pauseIndexing(): IndexSnapshot
  resumeIndexing(): IndexSnapshot
  search(query: string, options?: SearchOptions): SearchResult
  related(path: string, limit?: number): SearchHit[]
  /** Counts, date span, newest week, fullest months and recurring words of the indexed notes (onboarding, examples). */
  getNotesOverview(): NotesOverview
  /** Keyword matches of a query per note period, for the timeline chart. */
  timeline(query: string, options?: { today?: string }): TimelineResult
  /** The passages under the same heading as the one at `startLine` of a note (the source panel's context). */
  getNoteSection(path: string, startLine: number): NoteSection
  /**
   * Streams `answer-delta` and `answer-reasoning-delta` to this call's caller only, and resolves with the final
   * answer. Aborting the call's signal stops the answer: it then resolves with the partial text (`meta.aborted`).
   */
  ask(request: AskRequest): AnswerEnd
  listConversations(): ConversationSummary[]
  getConversation(id: string): Conversation
  createConversation(title?: string): ConversationSummary
  renameConversation(id: string, title: string): ConversationSummary
  deleteConversation(id: string): boolean
  /** True when this path (relative to the folder) is a note in the index; main opens nothing else. */
  isIndexedNote(path: string): boolean
  getSettings(): Settings
  /** Changes any setting but `ui.editorCommand` (refused when changed; see the shell's `setEditorCommand`). */
  updateSettings(patch: SettingsPatch): Settings
  getGatewayStatus(): GatewayStatus
  probeGateway(): GatewayStatus
  getModelStatus(kind: ModelKind): ModelDownloadStatus
  downloadModel(kind: ModelKind): ModelDownloadStatus
  cancelModelDownload(kind: ModelKind): boolean
  getSyncStatus(): SyncStatus
  syncNow(options?: { dryRun?: boolean }): SyncReport
}

/** Methods only the desktop shell (Electron main) can serve: OS dialogs, the keychain, windows. */
export interface ShellMethods {
  /** Opens the OS folder picker; null when cancelled. */
  pickFolder(): string | null
  /** Opens a note (relative to the folder) in the user's editor, at a line when the editor supports it. */
  openNote(path: string, line?: number): boolean
  /**
   * Sets the program that opens notes (`ui.editorCommand`; '' = the OS's app for text) after main's own
   * confirmation dialog names it. Resolves false when the user declines.
   */
  setEditorCommand(command: string): boolean
  /**
   * Stores the gateway token with safeStorage; null clears it. Without an OS keychain main asks first and may keep
   * it for this session only. Returns whether a token is now set.
   */
  setGatewayToken(token: string | null): boolean
  hasGatewayToken(): boolean
  /** Shows the chat window with this question asked (the quick-search's Ctrl/Cmd+Enter). */
  askInChat(question: string): boolean
  /** Hides the quick-search window. */
  hideQuickSearch(): boolean
  /** The result of registering the global shortcut, for the settings page. */
  getShortcutStatus(): { accelerator: string; registered: boolean; message: string | null }
  /** Tells main that this window has subscribed and can receive queued events. */
  rendererReady(): boolean
  /** Saves an export (markdown the renderer built) where the user picks in the save dialog; the path, or null if cancelled. */
  saveMarkdown(suggestedName: string, markdown: string): string | null
}

/** Everything `window.brain` offers. */
export type BrainMethods = EngineMethods & ShellMethods

/** Events a window (or a CLI/bridge subscriber) hears. Names are noun-verb. */
export interface BrainEvents {
  'index-status': IndexSnapshot
  /** Streamed to the caller of `ask` only (see `CALL_EVENT_NAMES`). */
  'answer-delta': AnswerDelta
  /** The model's reasoning, streamed apart from the answer text (shown folded); to the caller of `ask` only. */
  'answer-reasoning-delta': AnswerDelta
  'gateway-status': GatewayStatus
  'sync-status': SyncStatus
  'model-download': ModelDownloadStatus
  'settings-change': Settings
  'engine-state': EngineState
  /** Main asks the chat window to ask this question (from quick-search). */
  'chat-ask': { question: string }
}

/** The engine process as main sees it; pushed as `engine-state`. */
export type EngineState =
  | { type: 'starting' }
  | { type: 'running' }
  | { type: 'restarting'; attempt: number; retryInMs: number; lastExit: string }
  | { type: 'failed'; message: string }

export type EngineMethodName = keyof EngineMethods
export type ShellMethodName = keyof ShellMethods
export type BrainMethodName = keyof BrainMethods
export type BrainEventName = keyof BrainEvents

/** Promise-returning client view of a method map. */
export type AsyncMethods<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never
}

/** Runtime lists of the keys, so preload and bridges can build the API without repeating names. */
export const ENGINE_METHOD_NAMES = [
  'getStatus', 'reindex', 'confirmRemovals', 'pauseIndexing', 'resumeIndexing', 'search', 'related', 'getNotesOverview', 'timeline',
  'getNoteSection', 'ask',
  'listConversations', 'getConversation', 'createConversation', 'renameConversation', 'deleteConversation',
  'isIndexedNote', 'getSettings', 'updateSettings', 'getGatewayStatus', 'probeGateway', 'getModelStatus', 'downloadModel',
  'cancelModelDownload', 'getSyncStatus', 'syncNow',
] as const satisfies readonly EngineMethodName[]

export const SHELL_METHOD_NAMES = [
  'pickFolder', 'openNote', 'setEditorCommand', 'setGatewayToken', 'hasGatewayToken', 'askInChat', 'hideQuickSearch',
  'getShortcutStatus', 'rendererReady', 'saveMarkdown',
] as const satisfies readonly ShellMethodName[]

/** Events the engine pushes to every subscriber (state snapshots and progress). */
export const ENGINE_EVENT_NAMES = ['index-status', 'gateway-status', 'sync-status', 'model-download', 'settings-change'] as const satisfies readonly BrainEventName[]

/**
 * Events of one call, streamed to its caller over the port the call came on (an RPC event with the call's id), and
 * never broadcast: another window's answer is none of this window's business.
 */
export const CALL_EVENT_NAMES = ['answer-delta', 'answer-reasoning-delta'] as const satisfies readonly BrainEventName[]

/** Events that main (or the browser bridge standing in for it), not the engine, produces. */
export const SHELL_EVENT_NAMES = ['engine-state', 'chat-ask'] as const satisfies readonly BrainEventName[]

export const BRAIN_EVENT_NAMES = [...ENGINE_EVENT_NAMES, ...CALL_EVENT_NAMES, ...SHELL_EVENT_NAMES] as const satisfies readonly BrainEventName[]

export type EngineEventName = (typeof ENGINE_EVENT_NAMES)[number]
export type EngineEvents = Pick<BrainEvents, EngineEventName>
export type CallEventName = (typeof CALL_EVENT_NAMES)[number]
export type CallEvents = Pick<BrainEvents, CallEventName>
/** Hears the events of one call (`ask`'s deltas). */
export type CallEventListener = (event: CallEventName, payload: CallEvents[CallEventName]) => void

// Compile-time proof that the runtime lists name every key (a missing one makes these lines fail to type-check).
type Missing<All, Listed> = Exclude<All, Listed>
const _engineComplete: Missing<EngineMethodName, (typeof ENGINE_METHOD_NAMES)[number]> extends never ? true : never = true
const _shellComplete: Missing<ShellMethodName, (typeof SHELL_METHOD_NAMES)[number]> extends never ? true : never = true
const _eventsComplete: Missing<BrainEventName, (typeof BRAIN_EVENT_NAMES)[number]> extends never ? true : never = true
void _engineComplete
void _shellComplete
void _eventsComplete

/**
 * What every ipcMain handler resolves with (shell methods, and engine calls before a window has its own port):
 * Electron keeps only an Error's message across `invoke`, so a failure travels as plain ErrorData, in the RPC's own
 * result shape.
 */
export type IpcResult = RpcOutcome

/** The IPC channel names, derived from the method and event names (never typed elsewhere). */
export const ipcChannel = {
  invoke: (method: BrainMethodName) => `brain:invoke:${method}`,
  event: (event: BrainEventName) => `brain:event:${event}`,
  /** Main hands a window its own MessagePort to the engine on this channel (`webContents.postMessage`). */
  enginePort: 'brain:engine-port',
} as const

/** A method map as a client calls it: promises, and an optional `Stop` after the arguments that aborts the call. */
export type StoppableMethods<T, Stop> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: [...A, stop?: Stop]) => Promise<Awaited<R>> : never
}

/**
 * How a call's AbortSignal crosses Electron's contextBridge, which copies no AbortSignal: the page passes this
 * function, and the preload calls it with the listener that cancels the call (`shared/rpc/abort-link.ts`).
 */
export type AbortLink = (onAbort: () => void) => void

/** `window.brain` as the renderer sees it: every call takes an optional AbortSignal after its arguments. */
export interface BrainApi extends StoppableMethods<BrainMethods, AbortSignal> {
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends BrainEventName>(event: E, listener: (payload: BrainEvents[E]) => void): () => void
}

/** What the preload exposes as `window.brain`: `BrainApi`, with each call's signal crossing as an `AbortLink`. */
export interface PreloadBrain extends StoppableMethods<BrainMethods, AbortLink> {
  on<E extends BrainEventName>(event: E, listener: (payload: BrainEvents[E]) => void): () => void
}
