import { createHash } from 'node:crypto'
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs'
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import type { ModelDownloader } from 'node-llama-cpp'
import { BrainError, throwIfAborted, errorMessage, abortedError } from '../../../shared/errors'
import type { ModelDownloadStatus } from '../../../shared/model-download'
import { checkGgufFile, describeGgufProblem } from '../llm/local/gguf-file-check'
import { loadLlamaCpp } from '../llm/local/llama-instance'
import { DownloadRate } from './download-rate'

/** Where chat models live and who hears about their downloads. */
export interface ChatModelManagerOptions {
  /** Folder that downloaded models are saved to (created on demand). */
  modelsDir: string
  onStatus: (status: ModelDownloadStatus) => void
  /** Extra request headers, e.g. an Authorization header for a private hub. */
  headers?: Record<string, string>
  /** Least time between two `downloading` statuses; 250 ms unless told. */
  progressIntervalMs?: number
  /** How long the model host may take to answer at all before the download fails as unreachable; 15 s unless told. */
  hostTimeoutMs?: number
}

/** What the manager remembers about a finished download, so a URI maps back to its file without the network. */
interface ManifestEntry {
  fileName: string
  bytes: number
  sha256: string | null
  downloadedAt: string
}

const MANIFEST_FILE = 'chat-models.json'
const SHA256_PATTERN = /^[0-9a-f]{64}$/i

/** True for settings that name a remote model (node-llama-cpp `hf:` URI or an http(s) URL) rather than a file. */
export function isModelUri(modelSetting: string): boolean {
  return /^(hf:|huggingface:|https?:\/\/)/i.test(modelSetting.trim())
}

/**
 * Finds, checks and downloads the local chat model named by the `llm.model` setting: a `.gguf` path, a
 * node-llama-cpp model URI (`hf:org/repo:Q4_K_M`) or a plain URL. Downloads resume after an interruption.
 */
export class ChatModelManager {
  private readonly active = new Map<string, { promise: Promise<string>; last: ModelDownloadStatus }>()

  constructor(private readonly options: ChatModelManagerOptions) {}

  /** The file for `modelSetting` if it is there: an existing path, or a URI's completed download. */
  resolveLocalPath(modelSetting: string): string | null {
    const setting = modelSetting.trim()
    if (!isModelUri(setting)) {
      const filePath = path.resolve(setting)
      return isFile(filePath) ? filePath : null
    }
    const entry = this.readManifest()[setting]
    if (!entry) return null
    const filePath = path.join(this.options.modelsDir, entry.fileName)
    try {
      return statSync(filePath).size === entry.bytes ? filePath : null
    } catch {
      return null
    }
  }

  /** Where `modelSetting` stands: downloading, installed, missing, or present but damaged (re-download offered). */
  async status(modelSetting: string): Promise<ModelDownloadStatus> {
    const setting = modelSetting.trim()
    const running = this.active.get(setting)
    if (running) return running.last
    const remote = isModelUri(setting)
    const filePath = remote ? this.downloadedFilePath(setting) : path.resolve(setting)
    if (!filePath || !isFile(filePath)) return { type: 'idle', kind: 'chat', installed: false, path: null }
    const check = await checkGgufFile(filePath)
    if (!check.ok) return { type: 'failed', kind: 'chat', message: describeGgufProblem(filePath, check), canRetry: remote }
    if (remote && this.resolveLocalPath(setting) === null) {
      // The file is a well-formed GGUF but not the size the download recorded: it was replaced or cut.
      return { type: 'failed', kind: 'chat', message: `The model file ${path.basename(filePath)} does not match its download. Download it again.`, canRetry: true }
    }
    return { type: 'idle', kind: 'chat', installed: true, path: filePath }
  }

  /**
   * Makes `modelSetting` available locally and returns its path, downloading it when it is a URI. Reports
   * `downloading` / `verifying` / `done` / `failed` through `onStatus`; the signal stops it and keeps the partial
   * file so the next call resumes. A call made while the same model is downloading joins that download (and its
   * signal is not consulted: stop the download through the first caller's).
   */
  download(modelSetting: string, signal?: AbortSignal): Promise<string> {
    const setting = modelSetting.trim()
    const running = this.active.get(setting)
    if (running) return running.promise
    const record = { promise: Promise.resolve(''), last: { type: 'idle', kind: 'chat', installed: false, path: null } as ModelDownloadStatus }
    const emit = (status: ModelDownloadStatus) => {
      record.last = status
      try {
        this.options.onStatus(status)
      } catch {
        // A listener's failure must not break the download.
      }
    }
    record.promise = this.runDownload(setting, emit, signal).finally(() => this.active.delete(setting))
    this.active.set(setting, record)
    return record.promise
  }

  private async runDownload(setting: string, emit: (status: ModelDownloadStatus) => void, signal?: AbortSignal): Promise<string> {
    if (!isModelUri(setting)) {
      const filePath = this.resolveLocalPath(setting)
      if (!filePath) throw new BrainError('model-missing', `The model file ${setting} was not found.`, { details: { path: setting } })
      return filePath
    }
    try {
      throwIfAborted(signal)
      const installed = this.resolveLocalPath(setting)
      if (installed && (await checkGgufFile(installed, signal)).ok) {
        emit({ type: 'done', kind: 'chat', path: installed })
        return installed
      }
      emit({ type: 'downloading', kind: 'chat', loadedBytes: 0, totalBytes: null, bytesPerSecond: 0, etaSeconds: null })
      // The downloader retries a host that does not answer every 5 s for minutes, with no way to stop it; offline,
      // the user would watch an empty progress bar. One question first says "unreachable" within seconds.
      await checkModelHost(setting, this.options.hostTimeoutMs ?? HOST_TIMEOUT_MS, signal)
      await mkdir(this.options.modelsDir, { recursive: true })
      // A damaged or foreign file of the right size would be kept by the downloader's skip-existing check.
      await this.forgetDownload(setting)

      const rate = new DownloadRate()
      const interval = this.options.progressIntervalMs ?? 250
      let lastEmit = -Infinity
      const { createModelDownloader } = await loadLlamaCpp()
      // Creating the downloader already talks to the server (size, file name); the signal must cut that short too.
      const downloader: ModelDownloader = await settleOnAbort(createModelDownloader({
        modelUri: setting,
        dirPath: this.options.modelsDir,
        headers: this.options.headers,
        skipExisting: true,
        // Keep the partial file so the next attempt resumes instead of starting over.
        deleteTempFileOnCancel: false,
        showCliProgress: false,
        onProgress: ({ totalSize, downloadedSize }) => {
          const now = performance.now()
          rate.add(now, downloadedSize)
          if (now - lastEmit < interval && downloadedSize < totalSize) return
          lastEmit = now
          const bytesPerSecond = rate.bytesPerSecond()
          const remaining = Math.max(0, totalSize - downloadedSize)
          emit({
            type: 'downloading',
            kind: 'chat',
            loadedBytes: downloadedSize,
            totalBytes: totalSize > 0 ? totalSize : null,
            bytesPerSecond,
            etaSeconds: bytesPerSecond > 0 && totalSize > 0 ? remaining / bytesPerSecond : null,
          })
        },
      }), signal, async () => {})
      throwIfAborted(signal)
      const expectedSha256 = await this.fetchExpectedSha256(setting, downloader.entrypointFilename, signal)
      const filePath = await settleOnAbort(downloader.download({ signal }), signal, () => downloader.cancel({ deleteTempFile: false }))
      // node-llama-cpp resolves (not rejects) when a cancel races the end of the transfer.
      throwIfAborted(signal)

      emit({ type: 'verifying', kind: 'chat' })
      const bytes = await stat(filePath).then((info) => info.size, () => -1)
      const expectedBytes = downloader.totalSize
      if (expectedBytes > 0 && bytes !== expectedBytes) {
        throw new BrainError('model-corrupt', `The downloaded model ${path.basename(filePath)} is incomplete (${Math.max(bytes, 0)} of ${expectedBytes} bytes). Download it again.`, {
          retryable: true,
          details: { path: filePath, bytes, expectedBytes },
        })
      }
      const check = await checkGgufFile(filePath, signal)
      if (!check.ok) {
        throw new BrainError('model-corrupt', describeGgufProblem(filePath, check), { retryable: true, details: { path: filePath, reason: check.reason } })
      }
      if (expectedSha256) {
        const actual = await sha256File(filePath, signal)
        if (actual !== expectedSha256.toLowerCase()) {
          throw new BrainError('model-corrupt', `The downloaded model ${path.basename(filePath)} is damaged (its checksum does not match). Download it again.`, {
            retryable: true,
            details: { path: filePath, expectedSha256, actualSha256: actual },
          })
        }
      }
      await this.writeManifestEntry(setting, { fileName: path.basename(filePath), bytes, sha256: expectedSha256?.toLowerCase() ?? null, downloadedAt: new Date().toISOString() })
      emit({ type: 'done', kind: 'chat', path: filePath })
      return filePath
    } catch (error) {
      if (signal?.aborted) {
        emit({ type: 'idle', kind: 'chat', installed: false, path: null })
        throw abortedError(error, 'Download stopped.')
      }
      const brainError =
        error instanceof BrainError
          ? error
          : new BrainError('model-download-failed', `The model could not be downloaded: ${errorMessage(error)}`, {
              retryable: true,
              cause: error,
            })
      emit({ type: 'failed', kind: 'chat', message: brainError.message, canRetry: brainError.retryable })
      throw brainError
    }
  }

  /** The checksum the server publishes for the file (model hubs send it as the ETag of LFS files), if any. */
  private async fetchExpectedSha256(setting: string, fileName: string, signal?: AbortSignal): Promise<string | null> {
    const url = hubFileUrl(setting, fileName)
    if (!url) return null
    try {
      let response = await fetch(url, { method: 'HEAD', redirect: 'manual', headers: this.options.headers, signal })
      let candidate = shaFromHeaders(response.headers)
      const location = response.headers.get('location')
      if (!candidate && response.status >= 300 && response.status < 400 && location) {
        response = await fetch(new URL(location, url), { method: 'HEAD', headers: this.options.headers, signal })
        candidate = shaFromHeaders(response.headers)
      }
      return candidate
    } catch (error) {
      throwIfAborted(signal)
      // No checksum is not a failure: size and GGUF checks still run.
      void error
      return null
    }
  }

  /** Where a finished download of `setting` lies, known from the manifest even if the file was since damaged. */
  private downloadedFilePath(setting: string): string | null {
    const entry = this.readManifest()[setting]
    return entry ? path.join(this.options.modelsDir, entry.fileName) : null
  }

  private async forgetDownload(setting: string): Promise<void> {
    const manifest = this.readManifest()
    const entry = manifest[setting]
    if (!entry) return
    await rm(path.join(this.options.modelsDir, entry.fileName), { force: true })
    delete manifest[setting]
    await this.writeManifest(manifest)
  }

  private readManifest(): Record<string, ManifestEntry> {
    try {
      const parsed = JSON.parse(readFileSync(path.join(this.options.modelsDir, MANIFEST_FILE), 'utf8')) as unknown
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, ManifestEntry>) : {}
    } catch {
      return {}
    }
  }

  private async writeManifestEntry(setting: string, entry: ManifestEntry): Promise<void> {
    const manifest = this.readManifest()
    manifest[setting] = entry
    await this.writeManifest(manifest)
  }

  private async writeManifest(manifest: Record<string, ManifestEntry>): Promise<void> {
    const target = path.join(this.options.modelsDir, MANIFEST_FILE)
    const temporary = `${target}.${process.pid}.tmp`
    await writeFile(temporary, JSON.stringify(manifest, null, 2))
    await rename(temporary, target)
  }
}

/** The direct URL of the file behind a setting, for the checksum lookup; null when it cannot be told offline. */
export function hubFileUrl(setting: string, fileName: string): string | null {
  if (/^https?:\/\//i.test(setting)) return setting
  const match = /^(?:hf|huggingface):([^/:#]+)\/([^/:#]+)(?::[^/#]+)?(?:\/([^#]+))?(?:#(.+))?$/i.exec(setting)
  if (!match) return null
  const [, owner, repository, filePath, branch] = match
  return `https://huggingface.co/${owner}/${repository}/resolve/${encodeURIComponent(branch ?? 'main')}/${filePath ?? fileName}`
}

const CANCEL_GRACE_MS = 3000
const HOST_TIMEOUT_MS = 15_000

/**
 * Whether the host behind a model setting answers at all (any HTTP status will do: the downloader then reports what
 * the file's own request says). A refused, reset or silent connection is `model-download-failed`, retryable.
 */
export async function checkModelHost(setting: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const url = hubFileUrl(setting, 'model.gguf')
  if (!url) return
  const origin = new URL(url).origin
  const timeout = AbortSignal.timeout(timeoutMs)
  try {
    const response = await fetch(`${origin}/`, { method: 'HEAD', redirect: 'manual', signal: signal ? AbortSignal.any([signal, timeout]) : timeout })
    await response.body?.cancel()
  } catch (error) {
    throwIfAborted(signal)
    const reason = timeout.aborted ? `no answer in ${Math.round(timeoutMs / 1000)} s` : error instanceof Error ? (error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message) : String(error)
    throw new BrainError('model-download-failed', `Could not reach the model host ${origin}/: ${reason}`, { retryable: true, cause: error })
  }
}

/**
 * Rejects as soon as the signal fires, after giving the downloader a moment to close its files. node-llama-cpp's
 * download() can stay pending forever when a cancel races the end of the transfer, which must not hang the app.
 */
function settleOnAbort<T>(work: Promise<T>, signal: AbortSignal | undefined, cancel: () => Promise<void>): Promise<T> {
  if (!signal) return work
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      const closed = cancel().catch(() => undefined)
      const grace = new Promise((done) => setTimeout(done, CANCEL_GRACE_MS).unref())
      void Promise.race([closed, grace]).then(() => reject(abortedError(signal.reason, 'Download stopped.')))
    }
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

function shaFromHeaders(headers: Headers): string | null {
  for (const name of ['x-linked-etag', 'etag']) {
    const value = headers.get(name)?.replace(/^W\//, '').replace(/"/g, '').trim()
    if (value && SHA256_PATTERN.test(value)) return value.toLowerCase()
  }
  return null
}

async function sha256File(filePath: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(filePath, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    throwIfAborted(signal)
    hash.update(chunk)
  }
  return hash.digest('hex')
}

function isFile(filePath: string): boolean {
  try {
    return existsSync(filePath) && statSync(filePath).isFile()
  } catch {
    return false
  }
}
