import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { COMMANDS, helpText } from '../../../electron/cli/command-help'
import { parseCliArgs, USAGE } from '../../../electron/cli/parse-cli-args'

const env = { HOME: '/home/u' } as NodeJS.ProcessEnv

describe('parseCliArgs: mcp, settings, sync flags, ask export', () => {
  it('parses settings get/set with their positionals', () => {
    expect(parseCliArgs(['settings', 'get'], env)).toMatchObject({ command: 'settings', positionals: ['get'] })
    expect(parseCliArgs(['settings', 'set', 'sync.enabled', 'true'], env)).toMatchObject({ command: 'settings', positionals: ['set', 'sync.enabled', 'true'] })
  })

  it('parses sync --enable/--disable and keeps the explicit --gateway-url apart from the environment', () => {
    expect(parseCliArgs(['sync', '--enable', '--gateway-url', 'https://gw/v1'], env)).toMatchObject({ syncEnabled: true, gatewayUrlFlag: 'https://gw/v1', overrides: { gateway: { baseUrl: 'https://gw/v1' } } })
    expect(parseCliArgs(['sync', '--disable'], env)).toMatchObject({ syncEnabled: false, gatewayUrlFlag: null })
    const fromEnv = parseCliArgs(['sync', '--dry-run'], { ...env, NOTES_RAG_GATEWAY_URL: 'https://env/v1' })
    expect(fromEnv).toMatchObject({ syncEnabled: null, gatewayUrlFlag: null, dryRun: true, overrides: { gateway: { baseUrl: 'https://env/v1' } } })
  })

  it('parses ask --format and --output; --json is the json format', () => {
    expect(parseCliArgs(['ask', 'q', '--format', 'markdown', '-o', 'out.md'], env)).toMatchObject({ format: 'markdown', output: path.resolve('out.md'), json: false })
    expect(parseCliArgs(['ask', 'q', '--json'], env)).toMatchObject({ format: 'json', json: true, output: null })
    expect(parseCliArgs(['ask', 'q', '--format', 'json'], env)).toMatchObject({ format: 'json', json: true })
    expect(parseCliArgs(['ask', 'q'], env)).toMatchObject({ format: 'text' })
  })

  it('parses mcp with --watch', () => {
    expect(parseCliArgs(['mcp'], env)).toMatchObject({ command: 'mcp', watch: false })
    expect(parseCliArgs(['mcp', '--watch'], env)).toMatchObject({ command: 'mcp', watch: true })
  })

  it('routes <command> --help and help <command> to that command\'s help', () => {
    expect(parseCliArgs(['mcp', '--help'], env)).toMatchObject({ command: 'help', helpTopic: 'mcp' })
    expect(parseCliArgs(['help', 'sync'], env)).toMatchObject({ command: 'help', helpTopic: 'sync' })
    expect(parseCliArgs(['--help'], env)).toMatchObject({ command: 'help', helpTopic: null })
    expect(parseCliArgs(['help', 'search', '--help'], env)).toMatchObject({ command: 'help', helpTopic: 'search' })
    // `<command> --help` answers even when the rest of the line would be refused.
    expect(parseCliArgs(['index', 'a', 'b', '--help'], env)).toMatchObject({ command: 'help', helpTopic: 'index' })
    expect(helpText(null)).toBe(USAGE)
  })

  it('has help of its own for every command, naming the command first', () => {
    for (const command of COMMANDS) {
      const text = helpText(command)
      expect(text, command).toMatch(new RegExp(`^notes-rag ${command}\\b`))
      expect(text, command).not.toBe(USAGE)
    }
    expect(new Set(COMMANDS.map(helpText)).size).toBe(COMMANDS.length)
  })

  it('reads --version wherever it stands', () => {
    expect(parseCliArgs(['--version'], env)).toMatchObject({ version: true })
    expect(parseCliArgs(['status', '--version'], env)).toMatchObject({ version: true })
    expect(parseCliArgs(['status'], env)).toMatchObject({ version: false })
  })

  it.each([
    [['index', 'My', 'Notes'], /^notes-rag index takes one folder, but got 2: "My" "Notes"\. Quote a path with spaces/],
    [['watch', 'a', 'b', 'c'], /^notes-rag watch takes one folder, but got 3/],
    [['search', 'kubernetes', 'last', 'march'], /^notes-rag search takes one query, but got 3: .*Put the query in quotes: notes-rag search "kubernetes last march"\.$/],
    [['ask', 'what', 'did', 'I', 'ship?'], /^notes-rag ask takes one question, but got 4: .*notes-rag ask "what did I ship\?"\.$/],
    [['status', 'now'], /^notes-rag status takes no arguments, but got 1: "now"\. See notes-rag help status\.$/],
    [['sync', 'all'], /^notes-rag sync takes no arguments/],
    [['mcp', 'serve'], /^notes-rag mcp takes no arguments/],
    [['help', 'index', 'search'], /^notes-rag help takes at most one command, but got 2/],
  ])('refuses the extra arguments of %j instead of joining them', (argv, message) => {
    expect(() => parseCliArgs(argv, env)).toThrow(expect.objectContaining({ code: 'invalid-input', message: expect.stringMatching(message) }))
  })

  it('keeps one quoted argument whole, spaces included', () => {
    expect(parseCliArgs(['index', 'My Notes'], env).overrides.folder).toBe(path.resolve('My Notes'))
    expect(parseCliArgs(['search', 'kubernetes last march'], env).argument).toBe('kubernetes last march')
  })

  it.each([
    [['settings']],
    [['settings', 'set', 'sync.enabled']],
    [['settings', 'set', 'a', 'b', 'c']],
    [['settings', 'get', 'a', 'b']],
    [['settings', 'delete', 'a']],
    [['sync', '--enable', '--disable']],
    [['status', '--enable']],
    [['ask', 'q', '--format', 'html']],
    [['search', 'q', '--output', 'x.md']],
    [['help', 'frobnicate']],
  ])('rejects %j with a usage error', (argv) => {
    expect(() => parseCliArgs(argv, env)).toThrow(expect.objectContaining({ code: 'invalid-input' }))
  })
})
