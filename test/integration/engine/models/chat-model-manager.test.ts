import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { BrainError } from '../../../../shared/errors'
import type { ModelDownloadStatus } from '../../../../shared/model-download'
import { LocalChatBackend } from '../../../../electron/engine/llm/local/local-chat-backend'
import { ChatModelManager, hubFileUrl, isModelUri } from '../../../../electron/engine/models/chat-model-manager'
import { startFileServer, type FileServer } from '../../../support/file-server'
import { buildTinyChatModel, ensureTinyChatModel } from '../../../support/tiny-chat-model'

const MIB = 1024 * 1024

let sourceDirectory: string
let tinyPath: string
let largePath: string
let truncatedPath: string
let servers: FileServer[] = []
const temporaryDirectories: string[] = []

beforeAll(async () => {
  sourceDirectory = await mkdtemp(path.join(os.tmpdir(), 'chat-model-source-'))
  tinyPath = await ensureTinyChatModel()
  // Six of the downloader's 5 MB chunks: it fetches three at a time, so when the first ones are saved, a good part
  // of the file is still to come and an interruption then has whole chunks to keep.
  largePath = path.join(sourceDirectory, 'large.gguf')
  await writeFile(largePath, buildTinyChatModel({ paddingBytes: 30 * MIB }))
  truncatedPath = path.join(sourceDirectory, 'truncated.gguf')
  const tiny = await readFile(tinyPath)
  await writeFile(truncatedPath, tiny.subarray(0, tiny.length - 10_000))
})

const rawServers: Server[] = []

afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()))
  servers = []
  for (const server of rawServers.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

async function listen(server: Server): Promise<string> {
  rawServers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

afterAll(async () => {
  await rm(sourceDirectory, { recursive: true, force: true })
  for (const directory of temporaryDirectories) await rm(directory, { recursive: true, force: true })
})

async function serve(files: Record<string, string>, options?: Parameters<typeof startFileServer>[1]): Promise<FileServer> {
  const server = await startFileServer(files, options)
  servers.push(server)
  return server
}

async function newManager(progressIntervalMs = 0) {
  const modelsDir = await mkdtemp(path.join(os.tmpdir(), 'chat-models-'))
  temporaryDirectories.push(modelsDir)
  const statuses: ModelDownloadStatus[] = []
  const manager = new ChatModelManager({ modelsDir, onStatus: (status) => statuses.push(status), progressIntervalMs })
  return { manager, statuses, modelsDir }
}

async function sha256(filePath: string): Promise<string> {
  return createHash('sha256').update(await readFile(filePath)).digest('hex')
}

async function rejection(promise: Promise<unknown>): Promise<BrainError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(BrainError)
  return error as BrainError
}

describe('ChatModelManager with a local path', () => {
  it('resolves an existing .gguf and reports a missing one', async () => {
    const { manager } = await newManager()
    expect(manager.resolveLocalPath(tinyPath)).toBe(tinyPath)
    expect(await manager.status(tinyPath)).toEqual({ type: 'idle', kind: 'chat', installed: true, path: tinyPath })
    expect(await manager.download(tinyPath)).toBe(tinyPath)

    const missing = path.join(sourceDirectory, 'missing.gguf')
    expect(manager.resolveLocalPath(missing)).toBeNull()
    expect(await manager.status(missing)).toMatchObject({ type: 'idle', installed: false, path: null })
    expect((await rejection(manager.download(missing))).code).toBe('model-missing')
  })

  it('says a truncated local file is damaged, without offering a download', async () => {
    const { manager } = await newManager()
    const status = await manager.status(truncatedPath)
    expect(status).toMatchObject({ type: 'failed', canRetry: false })
    expect(status.type === 'failed' && status.message).toContain('incomplete or damaged')
  })
})

describe('ChatModelManager downloads', () => {
  it('downloads a URL with progress, verifies it and finds it again offline', async () => {
    const server = await serve({ '/models/tiny.gguf': tinyPath }, { throttleBytesPerSecond: 200_000 })
    const { manager, statuses, modelsDir } = await newManager()
    const url = `${server.url}/models/tiny.gguf`
    expect(manager.resolveLocalPath(url)).toBeNull()
    expect(await manager.status(url)).toMatchObject({ type: 'idle', installed: false })

    const filePath = await manager.download(url)
    expect(path.dirname(filePath)).toBe(modelsDir)
    expect(await sha256(filePath)).toBe(await sha256(tinyPath))

    const size = (await stat(tinyPath)).size
    const progress = statuses.filter((status) => status.type === 'downloading')
    const withBytes = progress.filter((status) => status.loadedBytes > 0)
    expect(withBytes.length).toBeGreaterThan(2)
    const loaded = withBytes.map((status) => status.loadedBytes)
    expect([...loaded].sort((a, b) => a - b)).toEqual(loaded)
    expect(withBytes.at(-1)).toMatchObject({ loadedBytes: size, totalBytes: size })
    expect(withBytes.some((status) => status.bytesPerSecond > 0 && status.etaSeconds !== null)).toBe(true)
    // The server sends 200 kB/s; the last reported rate must be of that order, not a unit slip.
    const lastRate = withBytes.filter((status) => status.bytesPerSecond > 0).at(-1)!.bytesPerSecond
    expect(lastRate).toBeGreaterThan(50_000)
    expect(lastRate).toBeLessThan(2_000_000)
    expect(statuses.at(-2)).toEqual({ type: 'verifying', kind: 'chat' })
    expect(statuses.at(-1)).toEqual({ type: 'done', kind: 'chat', path: filePath })

    expect(manager.resolveLocalPath(url)).toBe(filePath)
    expect(await manager.status(url)).toEqual({ type: 'idle', kind: 'chat', installed: true, path: filePath })

    // A second manager on the same folder finds it without a transfer.
    const requestsBefore = server.requests.filter((request) => request.method === 'GET').length
    const again = new ChatModelManager({ modelsDir, onStatus: () => {} })
    expect(await again.download(url)).toBe(filePath)
    expect(server.requests.filter((request) => request.method === 'GET').length).toBe(requestsBefore)

    const backend = await LocalChatBackend.load({ modelPath: filePath, threads: 1, contextSize: 128, gpu: false })
    try {
      const result = await backend.complete({ messages: [{ role: 'user', content: 'hi' }], maxTokens: 4, temperature: 0 })
      expect(result.text.length).toBeGreaterThan(0)
    } finally {
      await backend.dispose()
    }
  })

  it('resumes an interrupted download with Range requests and verifies the result', async () => {
    const server = await serve({ '/models/large.gguf': largePath }, { throttleBytesPerSecond: 8 * MIB })
    const { manager, statuses, modelsDir } = await newManager()
    const url = `${server.url}/models/large.gguf`
    const partialPath = path.join(modelsDir, 'large.gguf.ipull')
    const controller = new AbortController()
    const stopOnceAChunkIsSaved = (status: ModelDownloadStatus) => {
      if (status.type === 'downloading' && existsSync(partialPath)) controller.abort()
    }
    const watching = new ChatModelManager({
      modelsDir,
      progressIntervalMs: 0,
      onStatus: (status) => {
        statuses.push(status)
        stopOnceAChunkIsSaved(status)
      },
    })
    const stopped = await rejection(watching.download(url, controller.signal))
    expect(stopped.code).toBe('aborted')
    expect(statuses.at(-1)).toMatchObject({ type: 'idle', installed: false })
    expect(existsSync(partialPath)).toBe(true)
    expect(manager.resolveLocalPath(url)).toBeNull()

    const firstAttempt = server.requests.length
    const filePath = await manager.download(url)
    const secondAttempt = server.requests.slice(firstAttempt).filter((request) => request.method === 'GET')
    const ranged = secondAttempt.filter((request) => request.range !== null)
    expect(ranged.length).toBeGreaterThan(0)
    const size = (await stat(largePath)).size
    const resent = ranged.reduce((sum, request) => sum + request.bytesSent, 0)
    // Only the chunks missing after the interruption travel again.
    expect(resent).toBeGreaterThan(0)
    expect(resent).toBeLessThan(size)
    expect(await sha256(filePath)).toBe(await sha256(largePath))
    expect(existsSync(partialPath)).toBe(false)
  })

  it('survives a connection cut mid-body', async () => {
    const server = await serve({ '/models/large.gguf': largePath }, { throttleBytesPerSecond: 16 * MIB, failAfterBytes: 2 * MIB })
    const { manager } = await newManager()
    const url = `${server.url}/models/large.gguf`
    let filePath: string
    try {
      filePath = await manager.download(url)
    } catch (error) {
      // The downloader may give up on a dropped connection; the next attempt must then finish the job.
      expect(BrainError.is(error, 'model-download-failed')).toBe(true)
      filePath = await manager.download(url)
    }
    expect(server.requests.some((request) => request.method === 'GET' && request.bytesSent === 2 * MIB)).toBe(true)
    expect(await sha256(filePath)).toBe(await sha256(largePath))
  })

  it('checks the sha256 the server publishes as ETag', async () => {
    const good = await sha256(tinyPath)
    const server = await serve(
      { '/good/tiny.gguf': tinyPath, '/bad/tiny.gguf': tinyPath },
      { headers: { '/good/tiny.gguf': { ETag: `"${good}"` }, '/bad/tiny.gguf': { ETag: `"${'0'.repeat(64)}"` } } },
    )
    const { manager } = await newManager()
    const filePath = await manager.download(`${server.url}/good/tiny.gguf`)
    expect(await sha256(filePath)).toBe(good)
    expect(server.requests.some((request) => request.method === 'HEAD' && request.path === '/good/tiny.gguf')).toBe(true)

    const { manager: other, statuses } = await newManager()
    const error = await rejection(other.download(`${server.url}/bad/tiny.gguf`))
    expect(error.code).toBe('model-corrupt')
    expect(error.message).toContain('checksum')
    expect(statuses.at(-1)).toMatchObject({ type: 'failed', canRetry: true })
  })

  it('detects a truncated model, says so in status, and re-downloads it when the source is fixed', async () => {
    const files: Record<string, string> = { '/models/model.gguf': truncatedPath }
    const server = await serve(files)
    const { manager, statuses } = await newManager()
    const url = `${server.url}/models/model.gguf`

    const error = await rejection(manager.download(url))
    expect(error.code).toBe('model-corrupt')
    expect(error.message).toMatch(/incomplete or damaged \(\d+ of \d+ bytes\)\. Download it again\./)
    expect(statuses.at(-1)).toMatchObject({ type: 'failed', canRetry: true })
    expect(manager.resolveLocalPath(url)).toBeNull()

    // The server now has the complete file (a re-uploaded model); a retry must not keep the damaged copy.
    files['/models/model.gguf'] = tinyPath
    const filePath = await manager.download(url)
    expect(await sha256(filePath)).toBe(await sha256(tinyPath))
    expect(await manager.status(url)).toMatchObject({ type: 'idle', installed: true })
  })

  it('reports a damaged installed file and offers a re-download', async () => {
    const server = await serve({ '/models/tiny.gguf': tinyPath })
    const { manager } = await newManager()
    const url = `${server.url}/models/tiny.gguf`
    const filePath = await manager.download(url)
    const bytes = await readFile(filePath)
    await writeFile(filePath, bytes.subarray(0, bytes.length - 5000))

    expect(manager.resolveLocalPath(url)).toBeNull()
    const status = await manager.status(url)
    expect(status).toMatchObject({ type: 'failed', canRetry: true })
    expect(status.type === 'failed' && status.message).toContain('Download it again')

    expect(await manager.download(url)).toBe(filePath)
    expect(await sha256(filePath)).toBe(await sha256(tinyPath))
  })

  it('fails within seconds when the host hangs up on every connection, as offline, instead of retrying for minutes', async () => {
    const host = await listen(createServer((request) => request.socket.destroy()))
    const { manager, statuses } = await newManager()
    const url = `${host}/models/Phi-3.5-mini-instruct-Q4_K_M.gguf`
    const error = await rejection(manager.download(url))
    expect(error.code).toBe('model-download-failed')
    expect(error.message).toMatch(/^Could not reach the model host http:\/\/127\.0\.0\.1:\d+\/: /)
    expect(statuses.at(-1)).toMatchObject({ type: 'failed', canRetry: true })
  })

  it('reports a host that never answers as unreachable after the host timeout', async () => {
    const host = await listen(createServer(() => undefined))
    const { modelsDir } = await newManager()
    const manager = new ChatModelManager({ modelsDir, onStatus: () => undefined, hostTimeoutMs: 300 })
    const error = await rejection(manager.download(`${host}/m.gguf`))
    expect(error.code).toBe('model-download-failed')
    expect(error.message).toMatch(/no answer in 0 s$/)
  })

  it('reports an unreachable source as model-download-failed', async () => {
    const server = await serve({})
    const { manager, statuses } = await newManager()
    const error = await rejection(manager.download(`${server.url}/models/none.gguf`))
    expect(error.code).toBe('model-download-failed')
    expect(statuses.at(-1)).toMatchObject({ type: 'failed', canRetry: true })
  })
})

describe('model URIs', () => {
  it.each([
    ['hf:bartowski/Phi-3.5-mini-instruct-GGUF:Q4_K_M', true],
    ['https://example.com/model.gguf', true],
    ['/home/me/models/phi.gguf', false],
    ['C:\\models\\phi.gguf', false],
  ])('isModelUri(%s) = %s', (setting, expected) => {
    expect(isModelUri(setting)).toBe(expected)
  })

  it('builds the hub URL used for the checksum lookup', () => {
    expect(hubFileUrl('hf:bartowski/Phi-3.5-mini-instruct-GGUF:Q4_K_M', 'Phi-3.5-mini-instruct-Q4_K_M.gguf')).toBe(
      'https://huggingface.co/bartowski/Phi-3.5-mini-instruct-GGUF/resolve/main/Phi-3.5-mini-instruct-Q4_K_M.gguf',
    )
    expect(hubFileUrl('hf:org/repo/sub/model.gguf#dev', 'model.gguf')).toBe('https://huggingface.co/org/repo/resolve/dev/sub/model.gguf')
    expect(hubFileUrl('http://127.0.0.1:9/m.gguf', 'm.gguf')).toBe('http://127.0.0.1:9/m.gguf')
  })
})
