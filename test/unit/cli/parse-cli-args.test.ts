import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseCliArgs } from '../../../electron/cli/parse-cli-args'
import { BrainError } from '../../../shared/errors'

const env = { HOME: '/home/u' } as NodeJS.ProcessEnv

describe('parseCliArgs', () => {
  it('parses search with options', () => {
    const parsed = parseCliArgs(['search', 'kubernetes last march', '--limit', '5', '--json', '--data-dir', '/tmp/d'], env)
    expect(parsed).toMatchObject({ command: 'search', argument: 'kubernetes last march', limit: 5, json: true, dataDir: '/tmp/d' })
  })

  it('defaults the data dir to the app data folder', () => {
    expect(parseCliArgs(['status'], env).dataDir).toBe('/home/u/.config/notes-rag')
    expect(parseCliArgs(['status'], { ...env, NOTES_RAG_DATA_DIR: '/x' }).dataDir).toBe('/x')
  })

  it('turns index <folder> into an absolute folder override', () => {
    expect(parseCliArgs(['index', 'notes'], env).overrides.folder).toBe(path.resolve('notes'))
  })

  it('maps model, policy and gateway flags and environment to setting overrides', () => {
    const parsed = parseCliArgs(
      ['ask', 'what did I ship?', '--llm-model', './phi.gguf', '--policy', 'local-only', '--threads', '2', '--embedding-model', './models/m', '--backend', 'local'],
      { ...env, NOTES_RAG_GATEWAY_URL: 'https://gw.lan/v1', NOTES_RAG_GATEWAY_TOKEN: 'secret' },
    )
    expect(parsed.overrides).toEqual({
      embedding: { model: path.resolve('./models/m'), allowDownload: false },
      llm: { model: path.resolve('./phi.gguf'), threads: 2 },
      routing: { policy: 'local-only' },
      gateway: { baseUrl: 'https://gw.lan/v1' },
    })
    expect(parsed.gatewayToken).toBe('secret')
    expect(parsed.backend).toBe('local')
  })

  it('lets flags win over the environment', () => {
    const parsed = parseCliArgs(['status', '--gateway-url', 'http://127.0.0.1:9/v1', '--gateway-token', 't'], { ...env, NOTES_RAG_GATEWAY_URL: 'https://x/v1', NOTES_RAG_GATEWAY_TOKEN: 'e' })
    expect(parsed.overrides.gateway).toEqual({ baseUrl: 'http://127.0.0.1:9/v1' })
    expect(parsed.gatewayToken).toBe('t')
  })

  it.each([
    [['frobnicate']],
    [['index']],
    [['search']],
    [['search', 'x', '--limit', '0']],
    [['ask', 'x', '--policy', 'everywhere']],
    [['ask', 'x', '--backend', 'cloud']],
    [['status', '--unknown-flag']],
  ])('rejects %j with a usage error', (argv) => {
    expect(() => parseCliArgs(argv, env)).toThrow(BrainError)
  })
})
