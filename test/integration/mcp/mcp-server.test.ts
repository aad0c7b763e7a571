import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTempDir, writeFiles } from '../../support/temp-dir'
import { ensureTinyChatModel } from '../../support/tiny-chat-model'
import { ensureTinyEmbeddingModel } from '../../support/tiny-embedding-model'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const bin = path.join(repoRoot, 'bin/notes-rag.mjs')

/** Four ISO weeks of a small log: 2023-W10..W12 (March 2023) and 2023-W14 (April), each with its own topics. */
const NOTES: Record<string, string> = {
  '2023/2023-W10.md': ['# 2023-W10', '', '## Done', '', '- Migrated the billing database to Postgres 15', '- Paired with Dana on the Postgres replication lag', '', '## Learned', '', 'Logical replication needs a primary key on every table.'].join('\n'),
  '2023/2023-W11.md': ['# 2023-W11', '', '## Done', '', '- Set up the first Kubernetes cluster for staging', '- Wrote the helm chart for the search service', '', '## Next', '', '- Kubernetes autoscaling experiments'].join('\n'),
  '2023/2023-W12.md': ['# 2023-W12', '', '## Done', '', '- Kubernetes autoscaling with the horizontal pod autoscaler', '- Shipped search ranking v2 to production', '', '## Blockers', '', '- Waiting on the security review'].join('\n'),
  '2023/2023-W14.md': ['# 2023-W14', '', '## Done', '', '- Mobile release 4.2 went out', '- Postgres vacuum tuning on the billing database', '', '## Learned', '', 'Release trains beat heroics.'].join('\n'),
}
const TODAY = '2023-04-20'

let workspace: { root: string; folder: string; dataDir: string; cleanup: () => void }
let modelDir: string
let chatModel: string
let client: Client
let stderr = ''

beforeAll(async () => {
  modelDir = (await ensureTinyEmbeddingModel()).modelDir
  chatModel = await ensureTinyChatModel()
  const temp = makeTempDir('notes-rag-mcp-')
  const folder = path.join(temp.dir, 'notes')
  workspace = { root: temp.dir, folder, dataDir: path.join(temp.dir, 'data'), cleanup: temp.cleanup }
  writeFiles(folder, NOTES)
  // Things read_note must refuse: a file beside the folder, a symlink out of it, a hidden folder, a non-note.
  writeFiles(temp.dir, { 'secret.md': '# secret\n\nnot a note of this folder' })
  fs.symlinkSync(path.join(temp.dir, 'secret.md'), path.join(folder, 'escape.md'))
  writeFiles(folder, { '.obsidian/workspace.md': '# editor state', 'attachments/data.json': '{"a":1}' })

  const index = await runCli(['index', folder, '--data-dir', workspace.dataDir, '--embedding-model', modelDir])
  expect(index.code, index.stderr).toBe(0)

  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bin, 'mcp', '--data-dir', workspace.dataDir, '--embedding-model', modelDir, '--llm-model', chatModel, '--threads', '1', '--policy', 'local-only', '--today', TODAY],
    cwd: repoRoot,
    env: { ...(process.env as Record<string, string>), NO_COLOR: '1' },
    stderr: 'pipe',
  })
  transport.stderr?.on('data', (data) => (stderr += data))
  client = new Client({ name: 'notes-rag-test', version: '1.0.0' })
  await client.connect(transport)
}, 180_000)

afterAll(async () => {
  await client?.close()
  workspace?.cleanup()
})

function json(result: Awaited<ReturnType<Client['callTool']>>): any {
  const content = (result as CallToolResult).content
  const text = content.find((part) => part.type === 'text' && part.text.trimStart().startsWith('{'))
  if (!text || text.type !== 'text') throw new Error(`no JSON in ${JSON.stringify(content)}`)
  return JSON.parse(text.text)
}

function text(result: Awaited<ReturnType<Client['callTool']>>): string {
  return (result as CallToolResult).content.map((part) => (part.type === 'text' ? part.text : '')).join('\n')
}

describe('notes-rag mcp (a real server process, the SDK client over stdio)', () => {
  it('lists the five tools with their input schemas, and identifies itself', async () => {
    const { tools } = await client.listTools()
    expect(tools.map((tool) => tool.name).sort()).toEqual(['ask_notes', 'list_weeks', 'read_note', 'search_notes', 'timeline'])
    const search = tools.find((tool) => tool.name === 'search_notes')!
    expect(Object.keys(search.inputSchema.properties ?? {}).sort()).toEqual(['limit', 'period', 'query'])
    expect(search.inputSchema.required).toEqual(['query'])
    expect(tools.every((tool) => tool.annotations?.readOnlyHint === true)).toBe(true)
    expect(client.getServerVersion()).toMatchObject({ name: 'notes-rag' })
  })

  it('search_notes finds the passage, and a period narrows it', async () => {
    const all = json(await client.callTool({ name: 'search_notes', arguments: { query: 'postgres billing database', limit: 5 } }))
    expect(all.hits.length).toBeGreaterThan(0)
    expect(all.hits.map((hit: { path: string }) => hit.path)).toEqual(expect.arrayContaining(['2023/2023-W10.md', '2023/2023-W14.md']))
    const first = all.hits[0]
    expect(NOTES[first.path].split('\n').slice(first.startLine - 1, first.endLine).join('\n')).toContain(first.text.split('\n')[0].trim())

    const april = json(await client.callTool({ name: 'search_notes', arguments: { query: 'postgres billing database', period: 'April 2023' } }))
    expect(april.period).toEqual({ start: '2023-04-01', end: '2023-04-30', label: 'April 2023' })
    expect(new Set(april.hits.map((hit: { path: string }) => hit.path))).toEqual(new Set(['2023/2023-W14.md']))

    const bad = await client.callTool({ name: 'search_notes', arguments: { query: 'postgres', period: 'whenever' } })
    expect(bad.isError).toBe(true)
    expect(text(bad)).toMatch(/^invalid-input: Could not understand the period "whenever"/)
  })

  it('list_weeks gives each week of the period with its note and headings', async () => {
    const march = json(await client.callTool({ name: 'list_weeks', arguments: { period: 'March 2023' } }))
    expect(march.weeks.map((week: { week: string }) => week.week)).toEqual(['2023-W10', '2023-W11', '2023-W12'])
    expect(march.weeks[0]).toMatchObject({ start: '2023-03-06', end: '2023-03-12' })
    expect(march.weeks[0].notes).toEqual([{ path: '2023/2023-W10.md', label: '2023-W10', start: '2023-03-06', end: '2023-03-12', headings: ['Done', 'Learned'] }])
    expect(march.weeks[2].notes[0].headings).toEqual(['Done', 'Blockers'])

    const everything = json(await client.callTool({ name: 'list_weeks', arguments: {} }))
    expect(everything.weeks.map((week: { week: string }) => week.week)).toEqual(['2023-W10', '2023-W11', '2023-W12', '2023-W14'])
    const lastWeek = json(await client.callTool({ name: 'list_weeks', arguments: { period: 'last week' } }))
    expect(lastWeek.weeks).toEqual([])
  })

  it('read_note returns the note or a line range, and refuses anything outside the folder or not a note', async () => {
    const whole = json(await client.callTool({ name: 'read_note', arguments: { path: '2023/2023-W11.md' } }))
    const total = NOTES['2023/2023-W11.md'].split('\n').length
    expect(whole).toEqual({ path: '2023/2023-W11.md', startLine: 1, endLine: total, totalLines: total, text: NOTES['2023/2023-W11.md'] })
    const lines = json(await client.callTool({ name: 'read_note', arguments: { path: '2023/2023-W11.md', startLine: 5, endLine: 6 } }))
    expect(lines.text).toBe('- Set up the first Kubernetes cluster for staging\n- Wrote the helm chart for the search service')

    const refusals: Array<[string, RegExp]> = [
      ['../secret.md', /^invalid-input: .*outside the notes folder/],
      ['2023/../../secret.md', /^invalid-input: .*outside the notes folder/],
      [path.join(workspace.root, 'secret.md'), /^invalid-input: .*outside the notes folder/],
      ['escape.md', /^invalid-input: .*outside the notes folder/],
      ['.obsidian/workspace.md', /^invalid-input: .*is not a note/],
      ['attachments/data.json', /^invalid-input: .*is not a note/],
      ['2023/2023-W99.md', /^not-found: No note at 2023\/2023-W99\.md/],
    ]
    for (const [requested, message] of refusals) {
      const result = await client.callTool({ name: 'read_note', arguments: { path: requested } })
      expect(result.isError, requested).toBe(true)
      expect(text(result), requested).toMatch(message)
      expect(text(result)).not.toContain('not a note of this folder')
    }
    const past = await client.callTool({ name: 'read_note', arguments: { path: '2023/2023-W11.md', startLine: 40 } })
    expect(past.isError).toBe(true)
    expect(text(past)).toMatch(new RegExp(`has ${total} lines`))
  })

  it('ask_notes answers with the local model (local-only) and cites the notes', async () => {
    const result = await client.callTool({ name: 'ask_notes', arguments: { question: 'what happened with kubernetes autoscaling?' } })
    expect(result.isError ?? false, text(result)).toBe(false)
    const answer = result.structuredContent as { backend: string; model: string; sources: Array<{ n: number; path: string; startLine: number; endLine: number; text: string }> }
    expect(answer.backend).toBe('local')
    expect(answer.model).toMatch(/\.gguf$/)
    expect(answer.sources.length).toBeGreaterThan(0)
    for (const source of answer.sources) {
      expect(Object.keys(NOTES)).toContain(source.path)
      expect(NOTES[source.path].split('\n').slice(source.startLine - 1, source.endLine).join('\n').length).toBeGreaterThan(0)
    }
    // The two notes about Kubernetes are the ones retrieved first.
    expect(['2023/2023-W11.md', '2023/2023-W12.md']).toContain(answer.sources[0].path)
    // The first content part is the markdown export of the same answer, its sources listed with lines.
    const markdown = (result as CallToolResult).content[0]
    expect(markdown.type === 'text' && markdown.text).toMatch(/^# what happened with kubernetes autoscaling\?\n/)
    expect(markdown.type === 'text' && markdown.text).toMatch(/\n\[1\] `2023\/2023-W1[12]\.md`, lines? \d+(–\d+)? \(2023-03-\d\d to 2023-03-\d\d\)/)
  }, 120_000)

  it('timeline counts matches per month and per week', async () => {
    const months = json(await client.callTool({ name: 'timeline', arguments: { query: 'kubernetes' } }))
    expect(months).toMatchObject({ granularity: 'month', matchedBy: 'keywords' })
    expect(months.buckets.map((bucket: { key: string }) => bucket.key)).toEqual(['2023-03'])
    expect(months.buckets[0]).toMatchObject({ label: 'March 2023', start: '2023-03-01', end: '2023-03-31' })
    expect(months.buckets[0].notes.map((note: { path: string }) => note.path).sort()).toEqual(['2023/2023-W11.md', '2023/2023-W12.md'])
    const weeks = json(await client.callTool({ name: 'timeline', arguments: { query: 'postgres', granularity: 'week' } }))
    expect(weeks.buckets.map((bucket: { key: string }) => bucket.key)).toEqual(['2023-W10', '2023-W14'])
    expect(weeks.matches).toBe(weeks.buckets.reduce((sum: number, bucket: { matches: number }) => sum + bucket.matches, 0))
  })

  it('exposes every note as a resource and reads it; a resource outside the folder is refused', async () => {
    const { resources } = await client.listResources()
    expect(resources.map((resource) => resource.name).sort()).toEqual(Object.keys(NOTES).sort())
    const resource = resources.find((item) => item.name === '2023/2023-W12.md')!
    expect(resource).toMatchObject({ uri: 'notes-rag://note/2023/2023-W12.md', mimeType: 'text/markdown' })
    const read = await client.readResource({ uri: resource.uri })
    expect(read.contents).toEqual([{ uri: resource.uri, mimeType: 'text/markdown', text: NOTES['2023/2023-W12.md'] }])
    await expect(client.readResource({ uri: 'notes-rag://note/escape.md' })).rejects.toThrow(/outside the notes folder/)
    await expect(client.readResource({ uri: 'notes-rag://note/..%2Fsecret.md' })).rejects.toThrow(/outside the notes folder/)
  })

  it('never wrote to the notes and kept stdout for the protocol', () => {
    const now = Object.fromEntries(Object.keys(NOTES).map((file) => [file, fs.readFileSync(path.join(workspace.folder, file), 'utf8')]))
    expect(now).toEqual(NOTES)
    const listing = fs.readdirSync(workspace.folder, { recursive: true }).map(String).sort()
    expect(listing).toEqual(['.obsidian', '.obsidian/workspace.md', '2023', ...Object.keys(NOTES).sort(), 'attachments', 'attachments/data.json', 'escape.md'].sort())
    expect(stderr).toMatch(/\[notes-rag mcp\] serving /)
  })
})

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' } })
  let out = ''
  let err = ''
  child.stdout.on('data', (data) => (out += data))
  child.stderr.on('data', (data) => (err += data))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout: out, stderr: err })))
}
