import fs from 'node:fs'
import { BrainError, throwIfAborted, errorMessage } from '../../shared/errors'
import type { IndexSnapshot } from '../../shared/index-status'
import type { CallEventListener, EngineEventName, EngineEvents, EngineMethodName, EngineMethods } from '../../shared/ipc'
import { ENGINE_METHOD_NAMES } from '../../shared/ipc'
import { mergeSettings, withoutEditorCommand, type Settings, type SettingsPatch } from '../../shared/settings'
import type { Embedder } from './embedder/types'
import { EmbeddingManager } from './indexer/embedding-manager'
import { IndexController } from './indexer/index-controller'
import { DisposableStore, Emitter, type Disposable } from '../../shared/lifecycle'
import { untilAborted } from './async/until-aborted'
import { noteSection } from './overview/note-section'
import { notesOverview, searchTimeline } from './overview/notes-overview'
import { Searcher } from './retrieval/searcher'
import { dataPaths } from './settings/data-dir'
import { loadSettingsFile, saveSettingsFile, type SettingsRecovery } from './settings/settings-file'
import { DataDirLock, type LockHolder } from './store/data-dir-lock'
import { MetaStore } from './store/meta-store'
import { VectorStore } from './store/vector-store'
import { AnswerService } from './llm/answer-service'
import { SyncService } from './sync/sync-service'
import { syncVectorsSource } from './sync/sync-vectors-source'
import type { FileChange } from './watcher/folder-watcher'

/** How the engine is opened by each front end (app utilityProcess, CLI, tests, the browser bridge). */
export interface EngineOptions {
  /** SQLite db, LanceDB folder, settings.json and models/ live here. */
  dataDir: string
  /** Applied over settings.json for this run (CLI flags, tests); never saved. */
  overrides?: SettingsPatch
  /** The gateway token: main decrypts it with safeStorage; the CLI reads a flag or the environment. */
  gatewayToken?: string | null
  /** Keep watching the folder (the app, `notes-rag watch`); false for one-shot CLI commands. */
  watch?: boolean
  /** A ready embedder (tests and benchmarks); otherwise the settings' model is loaded. */
  embedder?: Embedder
  /** Bundled worker entry for the embedder (the packaged app); sources are used otherwise. */
  embedWorkerUrl?: URL | string
  /** Probe the gateway in the background from the start (the app's status bar); the CLI only asks when it answers. */
  probeGateway?: boolean
  /** Models shipped with the app, read-only (the packaged app's resources/models). */
  bundledModelsDir?: string
  /** Skip loading the embedding model entirely (keyword-only runs, e.g. `status`). */
  loadEmbedder?: boolean
  /**
   * `write` (default) takes the data dir's writer lock: one writer per data dir, across the app and the CLI.
   * `read` (status, search, ask) takes none; while another process holds it, the engine only reads the index.
   */
  access?: 'write' | 'read'
  /** Names this writer in the lock ("notes-rag index", "notes-rag app"), so a second writer is told who it is. */
  lockCommand?: string
  /** Wait for another writer to finish instead of failing with `data-dir-locked`; `onWait` hears who it waits for. */
  waitForLock?: boolean | { onWait?: (holder: LockHolder) => void; signal?: AbortSignal }
}

type Handler<K extends EngineMethodName> = (
  args: Parameters<EngineMethods[K]>,
  signal: AbortSignal | undefined,
  onEvent: CallEventListener | undefined,
) => Promise<Awaited<ReturnType<EngineMethods[K]>>> | Awaited<ReturnType<EngineMethods[K]>>

type Handlers = { [K in EngineMethodName]: Handler<K> }

/**
 * The notes-rag engine: indexing, search, answers, conversations, settings, sync. It never imports `electron`,
 * so the app's utilityProcess, the CLI, the browser bridge and the tests all run this same object.
 */
export class Engine implements Disposable {
  private readonly disposables = new DisposableStore()
  private readonly emitters = new Map<EngineEventName, Emitter<unknown>>()
  private fileSettings: Settings
  private settings: Settings
  private gatewayToken: string | null
  private readonly handlers: Handlers
  /** Set when settings.json was broken at start: what was recovered. Shown with every status until restart. */
  private settingsRecoveryValue: SettingsRecovery | null = null
  /**
   * A one-shot reader's start (the local model's load, then the folder and the store check), which `open` does not
   * wait for: calls wait for it instead, and a search runs its keyword half first. Null when `open` waited for it.
   */
  private starting: Promise<void> | null = null

  private constructor(
    private readonly options: EngineOptions,
    private readonly meta: MetaStore,
    private readonly vectors: VectorStore,
    loaded: Settings,
    private readonly embedding: EmbeddingManager,
    private readonly index: IndexController,
    private readonly searcher: Searcher,
    private readonly answers: AnswerService,
    private readonly sync: SyncService,
  ) {
    this.gatewayToken = options.gatewayToken ?? null
    this.fileSettings = loaded
    this.settings = mergeSettings(loaded, options.overrides ?? {})
    this.handlers = this.createHandlers()
  }

  static async open(options: EngineOptions): Promise<Engine> {
    const paths = dataPaths(options.dataDir)
    ensureWritableDataDir(options.dataDir)
    const lock = options.access === 'read' ? null : await acquireLock(options)
    // A reader beside a live writer leaves every repair to the writer: two processes fixing one index race.
    const readOnly = options.access === 'read' && DataDirLock.holderOf(options.dataDir) !== null
    let meta: MetaStore
    let vectors: VectorStore
    let fileSettings: Settings
    let recovery: SettingsRecovery | null
    try {
      ;({ settings: fileSettings, recovery } = loadSettingsFile(paths.settings))
      meta = MetaStore.open(paths.database)
    } catch (error) {
      lock?.dispose()
      throw error
    }
    const settings = mergeSettings(fileSettings, options.overrides ?? {})
    // The model starts loading (its worker thread starting) before LanceDB's modules load on this thread: a CLI
    // search then waits for the longer of the two, not both. The manager picks its vector table only once the
    // engine below is wired, so the indexer hears about the table.
    let wire!: { resolve: (store: VectorStore) => void; reject: (error: unknown) => void }
    const wired = new Promise<VectorStore>((resolve, reject) => (wire = { resolve, reject }))
    wired.catch(() => undefined)
    const embedding = new EmbeddingManager({
      meta,
      vectors: wired,
      modelsDir: paths.models,
      embedder: options.embedder,
      embedWorkerUrl: options.embedWorkerUrl,
      bundledModelsDir: options.bundledModelsDir,
      readOnly,
    })
    const load = options.loadEmbedder !== false ? embedding.load(settings.embedding, { localOnly: settings.routing.policy === 'local-only' }) : null
    try {
      vectors = await VectorStore.open(paths.vectors)
    } catch (error) {
      wire.reject(error)
      await embedding.dispose()
      meta.dispose()
      lock?.dispose()
      throw error
    }
    let engine: Engine | null = null
    const index = new IndexController({
      meta,
      vectors,
      embedding,
      settings: () => engine?.settings ?? settings,
      watch: options.watch ?? false,
      // Test and support knobs for real processes (the fault suite); the defaults suit a user's machine.
      consistencyCheckMs: envMs('NOTES_RAG_CONSISTENCY_CHECK_MS'),
      folderPollMs: envMs('NOTES_RAG_FOLDER_POLL_MS'),
    })
    const searcher = new Searcher({
      meta,
      vectors: () => {
        const target = embedding.current()
        return target ? { store: vectors, table: target.table } : null
      },
      embedder: () => embedding.current()?.embedder ?? null,
      ready: () => engine?.starting ?? null,
    })
    const answers = new AnswerService({
      meta,
      modelsDir: paths.models,
      settings: () => engine?.settings ?? settings,
      search: (query, searchOptions, signal) => searcher.search(query, searchOptions, signal),
      gatewayToken: options.gatewayToken ?? null,
      emit: (event, payload) => engine?.emit(event, payload as never),
    })
    const sync = new SyncService({
      meta,
      vectors: syncVectorsSource(meta, vectors, () => embedding.current()),
      settings: () => engine?.settings ?? settings,
      token: () => (engine ? engine.gatewayToken : (options.gatewayToken ?? null)),
      onStatus: (status) => engine?.emit('sync-status', status),
    })
    engine = new Engine(options, meta, vectors, fileSettings, embedding, index, searcher, answers, sync)
    engine.settingsRecoveryValue = recovery
    // Released in reverse: answers and indexing stop before the model and the stores they use close, the lock last.
    if (lock) engine.disposables.add(lock)
    engine.disposables.add(meta)
    engine.disposables.add(vectors)
    engine.disposables.add(embedding)
    engine.disposables.add(index)
    engine.disposables.add(answers)
    engine.disposables.add(sync)
    engine.disposables.add(index.onSettled.event(() => sync.scheduleAfterIndexing()))
    engine.disposables.add(index.onSnapshot.event((snapshot) => engine!.emit('index-status', engine!.withNotices(snapshot))))

    wire.resolve(vectors)
    const start = async (): Promise<void> => {
      // Locally installed models load before the first pass so chunks are sized with the real tokenizer, and before a
      // one-shot command's store check, which needs the model's table; a model that must be downloaded loads in the
      // background while the keyword index fills.
      if (load && (options.embedder || embedding.modelsDirFor(settings.embedding))) await load
      await index.setFolder(settings.folder)
    }
    if (options.access === 'read' && !options.watch) {
      // A one-shot reader (a CLI search, status or ask) returns at once: a search parses its query and runs its
      // keyword half while the model loads. A failed start fails every call with its error.
      engine.starting = start()
      engine.starting.catch(() => undefined)
      answers.start({ probe: options.probeGateway !== false })
      return engine
    }
    try {
      await start()
      answers.start({ probe: options.probeGateway !== false })
    } catch (error) {
      await engine.dispose().catch(() => undefined)
      throw error
    }
    return engine
  }

  /**
   * The single dispatch entry for every front end; validates the method name. `onEvent` hears this call's own
   * events (`ask`'s deltas), which are never broadcast.
   */
  async call<K extends EngineMethodName>(method: K, args: Parameters<EngineMethods[K]>, signal?: AbortSignal, onEvent?: CallEventListener): Promise<Awaited<ReturnType<EngineMethods[K]>>> {
    if (!(ENGINE_METHOD_NAMES as readonly string[]).includes(method)) {
      throw new BrainError('invalid-input', `Unknown engine method: ${String(method)}`)
    }
    throwIfAborted(signal)
    // The search waits for a one-shot reader's start itself, after its keyword half.
    if (this.starting && method !== 'search') await untilAborted(this.starting, signal)
    const handler = this.handlers[method] as Handler<K>
    return handler((args ?? []) as Parameters<EngineMethods[K]>, signal, onEvent)
  }

  /** Subscribes to a pushed event. */
  on<E extends EngineEventName>(event: E, listener: (payload: EngineEvents[E]) => void): Disposable {
    let emitter = this.emitters.get(event)
    if (!emitter) {
      emitter = new Emitter<unknown>()
      this.emitters.set(event, emitter)
    }
    return emitter.event(listener as (value: unknown) => void)
  }

  /** Settled bursts of file changes seen by the watcher. */
  onFileChanges(listener: (changes: FileChange[]) => void): Disposable {
    return this.index.onFileChanges.event(listener)
  }

  setGatewayToken(token: string | null): void {
    this.gatewayToken = token
    this.answers.setGatewayToken(token)
    this.sync.refreshStatus()
  }

  /**
   * Saves `ui.editorCommand`, the one setting that names a program to run. Not an engine method: only main (after
   * its own confirmation dialog, over its own engine port) and the CLI call it.
   */
  setEditorCommand(command: string): Promise<Settings> {
    if (typeof command !== 'string') throw new BrainError('invalid-input', 'The editor command must be a string.')
    return this.updateSettings({ ui: { editorCommand: command.trim() } })
  }

  /** What was recovered from a broken settings.json at start (the CLI prints it), or null. */
  get settingsRecovery(): SettingsRecovery | null {
    return this.settingsRecoveryValue
  }

  /** The settings as saved in settings.json, without this run's overrides. */
  get savedSettings(): Settings {
    return this.fileSettings
  }

  /** Current effective settings (file + overrides). */
  get currentSettings(): Settings {
    return this.settings
  }

  /** The index's metadata, for in-process front ends that list notes without an IPC method (the MCP server). */
  get metaStore(): MetaStore {
    return this.meta
  }

  /** Waits until queued indexing has finished (tests and the CLI). */
  async whenIdle(): Promise<void> {
    await this.starting
    await this.index.whenIdle()
  }

  private withNotices(snapshot: IndexSnapshot): IndexSnapshot {
    return this.settingsRecoveryValue ? { ...snapshot, settingsNotice: this.settingsRecoveryValue.message } : snapshot
  }

  private emit<E extends EngineEventName>(event: E, payload: EngineEvents[E]): void {
    this.emitters.get(event)?.fire(payload)
  }

  private createHandlers(): Handlers {
    return {
      getStatus: () => this.withNotices(this.index.status()),
      reindex: ([], signal) => this.index.reindex(signal),
      confirmRemovals: ([], signal) => this.index.confirmRemovals(signal),
      pauseIndexing: () => this.index.pause(),
      resumeIndexing: () => this.index.resume(),
      search: ([query, options], signal) => this.searcher.search(String(query ?? ''), options ?? {}, signal),
      related: ([notePath, limit], signal) => this.searcher.related(notePath, limit, signal),
      getNotesOverview: () => notesOverview(this.meta),
      timeline: ([query, options]) => searchTimeline(this.meta, String(query ?? ''), options?.today),
      getNoteSection: ([notePath, startLine]) => noteSection(this.meta, notePath, startLine),
      ask: ([request], signal, onEvent) => this.answers.ask(request, signal, onEvent),
      listConversations: () => this.meta.conversations.list(),
      getConversation: ([id]) => this.meta.conversations.get(id),
      createConversation: ([title]) => this.meta.conversations.create(title?.trim() || 'New conversation'),
      renameConversation: ([id, title]) => this.meta.conversations.rename(id, title),
      deleteConversation: ([id]) => this.meta.conversations.delete(id),
      isIndexedNote: ([notePath]) => {
        const file = typeof notePath === 'string' && notePath !== '' ? this.meta.files.get(notePath) : null
        return file !== null && file.status !== 'failed'
      },
      getSettings: () => this.settings,
      updateSettings: ([patch]) => this.updateSettings(withoutEditorCommand(patch, this.settings)),
      getGatewayStatus: () => this.answers.gatewayStatus(),
      probeGateway: (_args, signal) => this.answers.probeGateway(signal),
      getModelStatus: ([kind]) => (kind === 'embedding' ? this.embeddingModelStatus() : this.answers.chatModelStatus()),
      downloadModel: ([kind], signal) => {
        // local-only means no network at all: a download is refused, not started and left to fail.
        if (this.settings.routing.policy === 'local-only') {
          throw new BrainError('model-missing', `The routing policy is local-only, which forbids downloading the ${kind} model. Switch it to auto to download, or put the model in place yourself.`, { details: { kind } })
        }
        return kind === 'embedding' ? this.downloadEmbeddingModel() : this.answers.downloadChatModel(signal)
      },
      cancelModelDownload: ([kind]) => (kind === 'embedding' ? false : this.answers.cancelChatModelDownload()),
      getSyncStatus: () => this.sync.status(),
      syncNow: ([options], signal) => this.sync.syncNow(options ?? {}, signal),
    }
  }

  private async updateSettings(patch: SettingsPatch): Promise<Settings> {
    const previous = this.settings
    this.fileSettings = mergeSettings(this.fileSettings, patch)
    saveSettingsFile(dataPaths(this.options.dataDir).settings, this.fileSettings)
    this.settings = mergeSettings(this.fileSettings, this.options.overrides ?? {})
    const next = this.settings
    const leftLocalOnly = previous.routing.policy === 'local-only' && next.routing.policy !== 'local-only' && this.embedding.status.type === 'unavailable'
    if ((JSON.stringify(previous.embedding) !== JSON.stringify(next.embedding) || leftLocalOnly) && !this.options.embedder) {
      await this.embedding.unload()
      void this.embedding.load(next.embedding, { localOnly: next.routing.policy === 'local-only' })
    }
    if (previous.folder !== next.folder) await this.index.setFolder(next.folder)
    // Weekly notes are re-dated under the new meaning: the indexer sees the changed chunker signature.
    else if (previous.indexing.weekDateMeans !== next.indexing.weekDateMeans && next.folder) void this.index.reindex().catch(() => undefined)
    if (previous.indexing.paused !== next.indexing.paused) {
      if (next.indexing.paused) this.index.pause()
      else this.index.resume()
    }
    this.answers.onSettingsChanged(previous, next)
    this.sync.refreshStatus()
    if (JSON.stringify([previous.sync, previous.gateway, previous.routing]) !== JSON.stringify([next.sync, next.gateway, next.routing])) {
      this.sync.scheduleAfterIndexing()
    }
    this.emit('settings-change', next)
    return next
  }

  private embeddingModelStatus(): import('../../shared/model-download').ModelDownloadStatus {
    const status = this.embedding.status
    switch (status.type) {
      case 'downloading':
        return { type: 'downloading', kind: 'embedding', loadedBytes: status.loadedBytes, totalBytes: status.totalBytes, bytesPerSecond: 0, etaSeconds: null }
      case 'loading':
        return { type: 'verifying', kind: 'embedding' }
      case 'ready':
        return { type: 'done', kind: 'embedding', path: this.settings.embedding.model }
      case 'unavailable':
        return status.code === 'model-missing'
          ? { type: 'idle', kind: 'embedding', installed: false, path: null }
          : { type: 'failed', kind: 'embedding', message: status.reason, canRetry: true }
    }
  }

  private async downloadEmbeddingModel(): Promise<import('../../shared/model-download').ModelDownloadStatus> {
    const forward = this.embedding.onStatus.event(() => this.emit('model-download', this.embeddingModelStatus()))
    try {
      await this.embedding.unload()
      await this.embedding.load({ ...this.settings.embedding, allowDownload: true })
    } finally {
      forward.dispose()
    }
    const status = this.embeddingModelStatus()
    this.emit('model-download', status)
    return status
  }

  async dispose(): Promise<void> {
    // A start still loading the model is cut short (unloading aborts the load), then awaited, so the folder is never
    // set on a disposed controller.
    if (this.starting) {
      const starting = this.starting
      await this.embedding.unload()
      await starting.catch(() => undefined)
    }
    await this.disposables.dispose()
    for (const emitter of this.emitters.values()) emitter.dispose()
    this.emitters.clear()
  }
}

function envMs(name: string): number | undefined {
  const value = Number(process.env[name])
  return Number.isFinite(value) && value >= 0 && process.env[name] !== '' ? value : undefined
}

async function acquireLock(options: EngineOptions): Promise<DataDirLock> {
  const wait = options.waitForLock
  return DataDirLock.acquire(options.dataDir, {
    command: options.lockCommand ?? `notes-rag (${process.argv.slice(1, 3).map((arg) => arg.split(/[\\/]/).pop()).join(' ')})`,
    wait: Boolean(wait),
    ...(typeof wait === 'object' ? { onWait: wait.onWait, signal: wait.signal } : {}),
  })
}

/** Fails early, with a message a user can act on, when the data dir cannot be created or written. */
function ensureWritableDataDir(dataDir: string): void {
  try {
    fs.mkdirSync(dataDir, { recursive: true })
    fs.accessSync(dataDir, fs.constants.W_OK)
    const probe = `${dataDir}/.write-test-${process.pid}`
    fs.writeFileSync(probe, '')
    fs.rmSync(probe)
  } catch (error) {
    throw new BrainError('data-dir-unwritable', `Cannot write to the data folder ${dataDir}: ${errorMessage(error)}`, { cause: error })
  }
}
