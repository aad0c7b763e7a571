import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultSettings } from '../../../shared/settings'
import { runCli } from '../../support/run-cli'
import { SyncContractServer } from '../../support/sync-contract-server'
import { makeTempDir, writeFiles } from '../../support/temp-dir'
import { ensureTinyEmbeddingModel } from '../../support/tiny-embedding-model'

const NOTES = {
  '2024/2024-W01.md': '# 2024-W01\n\n## Done\n\n- Planned the Postgres upgrade\n',
  '2024/2024-W02.md': '# 2024-W02\n\n## Done\n\n- Ran the Postgres upgrade on staging\n',
  'private/diary.md': '# diary\n\nNot for the homelab.\n',
}

let modelDir: string
const cleanups: Array<() => void> = []

beforeAll(async () => {
  modelDir = (await ensureTinyEmbeddingModel()).modelDir
})
afterAll(() => cleanups.forEach((cleanup) => cleanup()))

function workspace() {
  const temp = makeTempDir('notes-rag-cli-sync-')
  cleanups.push(temp.cleanup)
  const folder = path.join(temp.dir, 'notes')
  writeFiles(folder, NOTES)
  const dataDir = path.join(temp.dir, 'data')
  const settingsFile = path.join(dataDir, 'settings.json')
  const readSettings = () => JSON.parse(fs.readFileSync(settingsFile, 'utf8'))
  return { root: temp.dir, folder, dataDir, settingsFile, readSettings, common: ['--data-dir', dataDir] }
}

describe('notes-rag settings (real processes)', () => {
  it('get prints every setting or one; set validates with the app schema and saves only valid values', async () => {
    const { dataDir, settingsFile, readSettings, common } = workspace()
    const all = await runCli(['settings', 'get', ...common])
    expect(all.code, all.stderr).toBe(0)
    expect(JSON.parse(all.stdout)).toEqual(defaultSettings())
    expect(fs.existsSync(settingsFile)).toBe(false)

    const enabled = await runCli(['settings', 'set', 'sync.enabled', 'true', ...common])
    expect(enabled.code, enabled.stderr).toBe(0)
    expect(enabled.stderr).toMatch(/sync\.enabled = true/)
    expect(readSettings().sync.enabled).toBe(true)
    expect((await runCli(['settings', 'get', 'sync.enabled', ...common])).stdout).toBe('true\n')

    // Text needs no quotes; JSON values (arrays, numbers, null) are read as JSON.
    expect((await runCli(['settings', 'set', 'gateway.baseUrl', 'https://llm.homelab.lan/v1', ...common])).code).toBe(0)
    expect((await runCli(['settings', 'get', 'gateway.baseUrl', ...common])).stdout).toBe('https://llm.homelab.lan/v1\n')
    expect((await runCli(['settings', 'get', 'gateway.baseUrl', '--json', ...common])).stdout).toBe('"https://llm.homelab.lan/v1"\n')
    expect((await runCli(['settings', 'set', 'sync.exclude', '["private/**","drafts/**"]', ...common])).code).toBe(0)
    expect((await runCli(['settings', 'set', 'llm.threads', '2', ...common])).code).toBe(0)
    expect((await runCli(['settings', 'set', 'sync', '{"maxBatchBytes": 2048}', ...common])).code).toBe(0)
    expect(readSettings()).toMatchObject({
      sync: { enabled: true, exclude: ['private/**', 'drafts/**'], maxBatchBytes: 2048 },
      llm: { threads: 2 },
      gateway: { baseUrl: 'https://llm.homelab.lan/v1' },
      version: 1,
    })
    expect((await runCli(['settings', 'set', 'gateway.baseUrl', 'null', ...common])).code).toBe(0)
    expect(readSettings().gateway.baseUrl).toBeNull()

    // Invalid values and unknown keys are refused with the reason; the file is left byte for byte.
    const before = fs.readFileSync(settingsFile, 'utf8')
    const refusals: Array<[string[], RegExp]> = [
      [['llm.threads', 'many'], /Cannot set llm\.threads to many: .*expected number/],
      [['llm.threads', '300'], /Cannot set llm\.threads to 300: .*<=256/],
      [['routing.policy', 'cloud'], /Cannot set routing\.policy to cloud: .*"local-only"\|"auto"\|"prefer-gateway"/],
      [['sync.enabeld', 'true'], /Unknown setting "sync\.enabeld"\. Settings are: folder, indexing, /],
      [['sync', '{"enabeld": true}'], /Unknown field\(s\) enabeld in sync\. Its fields are: enabled, exclude, maxBatchBytes/],
      [['version', '2'], /version is managed by notes-rag/],
      [['gateway.baseUrl', 'http://llm.example.com/v1'], /Refusing plain http:\/\/ to llm\.example\.com/],
    ]
    for (const [args, message] of refusals) {
      const result = await runCli(['settings', 'set', ...args, ...common])
      expect(result.code, args.join(' ')).toBe(1)
      expect(result.stderr, args.join(' ')).toMatch(message)
    }
    expect(fs.readFileSync(settingsFile, 'utf8')).toBe(before)

    const usage = await runCli(['settings', 'set', 'sync.enabled', ...common])
    expect(usage.code).toBe(2)
    expect(usage.stderr).toMatch(/needs a KEY and one VALUE/)
    expect((await runCli(['settings', 'frobnicate', ...common])).code).toBe(2)
    expect(fs.readdirSync(dataDir).filter((name) => name.endsWith('.tmp'))).toEqual([])
  }, 120_000)

  it('a corrupt settings.json is kept aside, never overwritten, when a setting is changed', async () => {
    const { dataDir, settingsFile, readSettings, common } = workspace()
    fs.mkdirSync(dataDir, { recursive: true })
    fs.writeFileSync(settingsFile, '{"sync": {"enabled": tru')
    const result = await runCli(['settings', 'set', 'sync.enabled', 'true', ...common])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toMatch(/settings\.json was invalid; it was kept as .*settings\.json\.invalid-\d+/)
    const aside = fs.readdirSync(dataDir).filter((name) => name.startsWith('settings.json.invalid-'))
    expect(aside).toHaveLength(1)
    expect(fs.readFileSync(path.join(dataDir, aside[0]), 'utf8')).toBe('{"sync": {"enabled": tru')
    expect(readSettings().sync.enabled).toBe(true)
  }, 60_000)

  it('per-command --help explains the new commands and exits 0', async () => {
    for (const [args, expected] of [
      [['settings', '--help'], /notes-rag settings set KEY VALUE/],
      [['sync', '--help'], /--enable .*turn sync on/],
      [['mcp', '--help'], /"command": "npx", "args": \["notes-rag", "mcp"\]/],
      [['help', 'ask'], /--format text\|markdown\|json/],
      [['--help'], /notes-rag mcp .*MCP clients/],
    ] as Array<[string[], RegExp]>) {
      const result = await runCli(args)
      expect(result.code, args.join(' ')).toBe(0)
      expect(result.stdout, args.join(' ')).toMatch(expected)
    }
  }, 60_000)
})

describe('notes-rag sync from the CLI (real processes, a real loopback gateway)', () => {
  it('dry run while off shows what would be sent and how to turn it on, connecting to nothing; then --enable syncs and --disable stops', async () => {
    const { folder, readSettings, common } = workspace()
    const server = await SyncContractServer.start({ token: 'homelab-secret' })
    try {
      const index = await runCli(['index', folder, '--embedding-model', modelDir, ...common])
      expect(index.code, index.stderr).toBe(0)
      // The gateway is configured but sync is off (the default).
      expect((await runCli(['settings', 'set', 'gateway.baseUrl', server.baseUrl, ...common])).code).toBe(0)
      expect((await runCli(['settings', 'set', 'sync.exclude', '["private/**"]', ...common])).code).toBe(0)
      const withToken = { NOTES_RAG_GATEWAY_TOKEN: 'homelab-secret' }

      const dry = await runCli(['sync', '--dry-run', '--embedding-model', modelDir, ...common], withToken)
      expect(dry.code, dry.stderr).toBe(0)
      expect(dry.stdout).toMatch(/^Sync is disabled: sync is turned off in settings\. Nothing was sent and no connection was made\.\nTurn it on with `notes-rag sync --enable`/)
      expect(dry.stdout).toMatch(/Once on, it would send: 2 files, 0 deletions, 0 renames\n {2}\+ 2024\/2024-W01\.md \(\d+ chunks, \d+ bytes\)\n {2}\+ 2024\/2024-W02\.md/)
      expect(dry.stdout).toMatch(/Excluded by your sync rules: 1 files/)
      expect(dry.stdout).toMatch(/Compared with an empty gateway/)

      const dryJson = JSON.parse((await runCli(['sync', '--dry-run', '--json', '--embedding-model', modelDir, ...common], withToken)).stdout)
      expect(dryJson).toMatchObject({ dryRun: true, requests: 0, bytesSent: 0, excluded: ['private/diary.md'], disabled: { reason: 'off', howToEnable: expect.stringMatching(/notes-rag sync --enable/) } })
      expect(dryJson.upserts.map((file: { path: string }) => file.path)).toEqual(['2024/2024-W01.md', '2024/2024-W02.md'])
      expect(server.connections).toBe(0)

      // A real sync while off fails and says how to turn it on.
      const refused = await runCli(['sync', '--embedding-model', modelDir, ...common], withToken)
      expect(refused.code).toBe(1)
      expect(refused.stderr).toMatch(/Sync is disabled: sync is turned off in settings\. Turn it on with `notes-rag sync --enable`/)
      expect(server.connections).toBe(0)

      const enabled = await runCli(['sync', '--enable', '--json', '--embedding-model', modelDir, ...common], withToken)
      expect(enabled.code, enabled.stderr).toBe(0)
      expect(enabled.stderr).toMatch(/Sync turned on\./)
      expect(readSettings().sync.enabled).toBe(true)
      expect(JSON.parse(enabled.stdout)).toMatchObject({ dryRun: false })
      expect([...server.notes.keys()].sort()).toEqual(['2024/2024-W01.md', '2024/2024-W02.md'])
      expect(server.invalidRequests).toEqual([])

      const requestsBefore = server.requests.length
      const disabled = await runCli(['sync', '--disable', ...common], withToken)
      expect(disabled.code, disabled.stderr).toBe(0)
      expect(disabled.stderr).toMatch(/Sync turned off/)
      expect(readSettings().sync.enabled).toBe(false)
      expect(server.requests.length).toBe(requestsBefore)

      // Off again, with the gateway known: the dry run compares with the state it last saw (nothing left to send).
      const again = JSON.parse((await runCli(['sync', '--dry-run', '--json', '--embedding-model', modelDir, ...common], withToken)).stdout)
      expect(again).toMatchObject({ upserts: [], disabled: { reason: 'off' }, serverState: { source: 'last-known' } })
      expect(server.requests.length).toBe(requestsBefore)
    } finally {
      await server.close()
    }
  }, 240_000)

  it('--gateway-url is saved after it is checked; an insecure or malformed URL is refused and nothing is saved', async () => {
    const { readSettings, settingsFile, common } = workspace()
    const insecure = await runCli(['sync', '--disable', '--gateway-url', 'http://llm.example.com/v1', ...common])
    expect(insecure.code).toBe(1)
    expect(insecure.stderr).toMatch(/Refusing plain http:\/\/ to llm\.example\.com/)
    const malformed = await runCli(['sync', '--disable', '--gateway-url', 'not a url', ...common])
    expect(malformed.code).toBe(1)
    expect(malformed.stderr).toMatch(/is not a valid URL/)
    expect(fs.existsSync(settingsFile)).toBe(false)

    const saved = await runCli(['sync', '--disable', '--gateway-url', 'https://llm.homelab.lan/v1', ...common])
    expect(saved.code, saved.stderr).toBe(0)
    expect(readSettings()).toMatchObject({ gateway: { baseUrl: 'https://llm.homelab.lan/v1' }, sync: { enabled: false } })

    // Not configured (no token), local-only: each reason comes with its own way out.
    const noToken = await runCli(['sync', '--dry-run', '--policy', 'auto', '--enable', ...common], { NOTES_RAG_GATEWAY_TOKEN: '' })
    expect(noToken.code, noToken.stderr).toBe(0)
    expect(noToken.stdout).toMatch(/no gateway URL or token is set.*\n.*--gateway-token TOKEN` or NOTES_RAG_GATEWAY_TOKEN/)
    const localOnly = await runCli(['sync', '--dry-run', '--policy', 'local-only', ...common], { NOTES_RAG_GATEWAY_TOKEN: 'x' })
    expect(localOnly.stdout).toMatch(/routing policy is local-only.*\n.*notes-rag settings set routing\.policy auto/)
    expect((await runCli(['sync', '--enable', '--disable', ...common])).code).toBe(2)
  }, 120_000)
})
