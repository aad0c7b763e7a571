import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPLAY_CASES, REPLAY_MODELS, type ReplayCase } from '../../fixtures/sse/replay-cases'
import { replayFile, startReplayGateway, type ReplayGateway } from '../../support/replay-gateway'
import { makeTempDir, writeFiles } from '../../support/temp-dir'
import { ensureTinyChatModel } from '../../support/tiny-chat-model'
import { ensureTinyEmbeddingModel } from '../../support/tiny-embedding-model'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const bin = path.join(repoRoot, 'bin/notes-rag.mjs')
const QUESTION = 'what did I plant in the garden?'
const LENGTH_NOTE = '\n\n(The answer was cut off: the model reached its length limit.)'

interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

function runCli(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1', ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (data) => (stdout += data))
  child.stderr.on('data', (data) => (stderr += data))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}

const NOTES: Record<string, string> = {
  '2024/2024-W14.md': '# 2024-W14\n\n## Done\n\n- Built the raised bed in the garden from spare planks\n- Planted tomatoes and basil in the garden bed\n',
  '2024/2024-W15.md': '# 2024-W15\n\n## Done\n\n- Watered the garden every morning; the basil came up first\n',
  '2024/2024-W16.md': '# 2024-W16\n\n## Done\n\n- Postgres migration: moved the billing tables\n',
}

let gateway: ReplayGateway
let dataDir: string
let modelDir: string
let cleanup: () => void

beforeAll(async () => {
  modelDir = (await ensureTinyEmbeddingModel()).modelDir
  const temp = makeTempDir('notes-rag-gateway-cli-')
  cleanup = temp.cleanup
  const folder = path.join(temp.dir, 'notes')
  fs.mkdirSync(folder)
  writeFiles(folder, NOTES)
  dataDir = path.join(temp.dir, 'data')
  const indexed = await runCli(['index', folder, '--data-dir', dataDir, '--embedding-model', modelDir])
  expect(indexed.code, indexed.stderr).toBe(0)
  gateway = await startReplayGateway({ models: REPLAY_MODELS })
}, 120_000)

afterAll(async () => {
  await gateway?.close()
  cleanup?.()
})

/** `ask` against the replay gateway; no local model (a missing file), so nothing but the gateway can answer. */
function ask(replay: ReplayCase | null, extra: string[], env: Record<string, string> = {}, url?: string): Promise<RunResult> {
  if (replay) gateway.setResponse(replayFile(replay.file, replay))
  return runCli(
    [
      'ask',
      QUESTION,
      '--data-dir',
      dataDir,
      '--embedding-model',
      modelDir,
      '--gateway-url',
      url ?? gateway.url,
      '--gateway-token',
      'test-token',
      '--llm-model',
      path.join(dataDir, 'no-such-model.gguf'),
      ...extra,
    ],
    env,
  )
}

const byName = (prefix: string) => {
  const found = REPLAY_CASES.find((replay) => replay.name.startsWith(prefix))
  if (!found) throw new Error(`no replay case "${prefix}"`)
  return found
}

describe('notes-rag ask --backend gateway --json, replaying every recording and described case (real CLI processes)', () => {
  it.each(REPLAY_CASES.map((replay) => [replay.name, replay] as const))('%s', async (_name, replay) => {
    const run = await ask(replay, ['--backend', 'gateway', '--json'])
    const output = JSON.parse(run.stdout)
    const expected = replay.expect
    if (expected.type === 'answer') {
      expect(run.code, run.stderr).toBe(0)
      expect(output.error).toBeNull()
      expect(output.answer).toBe(expected.truncated ? expected.text + LENGTH_NOTE : expected.text)
      expect(output.reasoning).toBe(expected.reasoning)
      expect(output.meta).toMatchObject({ backend: 'gateway', model: 'small', finishReason: expected.finishReason, truncated: expected.truncated, tokensIn: expected.tokensIn, tokensOut: expected.tokensOut })
    } else {
      expect(run.code, run.stdout).toBe(1)
      expect(output.error.code).toBe(expected.code)
      expect(output.error.message).toMatch(expected.message)
      if (expected.partialText) {
        expect(output.error.details.partialText).toBe(expected.partialText)
        expect(output.meta.partial).toBe(true)
      }
      expect(output.meta.backend).toBe('retrieval-only')
      expect(output.meta.fallbackReason).toContain(`(${expected.code})`)
      expect(run.stderr).toContain(`notes-rag: the gateway could not answer: ${output.error.message} [${expected.code}]`)
    }
  }, 180_000)

  it('an unreachable gateway exits 1 with error.code, not error: null', async () => {
    const closed = await startReplayGateway()
    const url = closed.url
    await closed.close()
    const run = await ask(null, ['--backend', 'gateway', '--json'], {}, url)
    expect(run.code).toBe(1)
    const output = JSON.parse(run.stdout)
    expect(output.error.code).toBe('gateway-unreachable')
    expect(output.meta.fallbackReason).toMatch(/^the gateway is unreachable \(/)
  }, 180_000)
})

describe('notes-rag ask with auto routing and in the terminal', () => {
  it('auto: a gateway failure falls back to the passages, exits 0, and says what failed', async () => {
    const run = await ask(byName('Groq'), ['--backend', 'auto', '--json'])
    expect(run.code, run.stderr).toBe(0)
    const output = JSON.parse(run.stdout)
    expect(output.meta.backend).toBe('retrieval-only')
    expect(output.meta.fallbackReason).toMatch(/the gateway failed: The model's provider reported an error \(output_parse_failed\).*\(gateway-provider-error\)/)
    expect(output.error).toMatchObject({ code: 'gateway-provider-error', details: { partialText: 'You planted' } })
    expect(output.answer).toMatch(/^No model could answer \(/)
  }, 180_000)

  it('auto with a local model: after a gateway 400 the local model answers, exit 0, and error says what failed', async () => {
    const chatModel = await ensureTinyChatModel()
    gateway.setResponse(replayFile(byName('HTTP 400').file, byName('HTTP 400')))
    const run = await runCli(['ask', QUESTION, '--json', '--data-dir', dataDir, '--embedding-model', modelDir, '--gateway-url', gateway.url, '--llm-model', chatModel, '--threads', '1', '--policy', 'prefer-gateway'])
    expect(run.code, run.stderr).toBe(0)
    const output = JSON.parse(run.stdout)
    expect(output.meta.backend).toBe('local')
    expect(output.meta.fallbackReason).toMatch(/^the gateway failed: The gateway rejected the request \(HTTP 400\)/)
    expect(output.error).toMatchObject({ code: 'gateway-bad-request', details: { status: 400, providerCode: 'context_length_exceeded' } })
  }, 240_000)

  it('the terminal separates a partial answer from the fallback with a line that says what happened', async () => {
    const run = await ask(byName('A partial answer'), ['--backend', 'auto'])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(
      /^The capital\n\n--- The gateway stopped mid-answer \(The gateway stream broke off mid-answer\); the text above is partial\. ---\n\nNo model could answer \(/,
    )
    expect(run.stdout).not.toMatch(/capitalNo model/)
  }, 180_000)

  it('--backend gateway in the terminal: the partial text, the separator, exit 1 and the reason on stderr', async () => {
    const run = await ask(byName('OpenRouter: partial text'), ['--backend', 'gateway'])
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/^You planted tomatoes and\n\n--- The gateway stopped mid-answer \(The model's provider reported an error \(502\): Provider disconnected unexpectedly/)
    expect(run.stderr).toMatch(/^notes-rag: the gateway could not answer: The model's provider reported an error \(502\)/m)
  }, 180_000)

  it('ask --verbose prints the reasoning dimmed on stderr; stdout is the answer alone', async () => {
    const replay = byName('DeepSeek reasoner')
    if (replay.expect.type !== 'answer') throw new Error('expected an answer case')
    const verbose = await ask(replay, ['--backend', 'gateway', '--verbose'], { NO_COLOR: '', FORCE_COLOR: '1' })
    expect(verbose.code, verbose.stderr).toBe(0)
    expect(verbose.stderr).toContain(`\x1b[2mReasoning: ${replay.expect.reasoning}\x1b[22m\n`)
    expect(verbose.stdout.startsWith(`${replay.expect.text}\n\nPassages:`), verbose.stdout).toBe(true)
    expect(verbose.stdout).not.toContain('Hmm, the user')

    const quiet = await ask(replay, ['--backend', 'gateway'])
    expect(quiet.stderr).not.toContain('Hmm, the user')
    expect(quiet.stdout).toContain(`(The model also sent ${replay.expect.reasoning!.length} characters of reasoning; --verbose shows them.)`)
  }, 180_000)
})
