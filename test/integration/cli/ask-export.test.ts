import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../support/run-cli'
import { makeTempDir, writeFiles } from '../../support/temp-dir'
import { ensureTinyChatModel } from '../../support/tiny-chat-model'
import { ensureTinyEmbeddingModel } from '../../support/tiny-embedding-model'

const NOTES: Record<string, string> = {
  '2023/2023-W10.md': '# 2023-W10\n\n## Done\n\n- Migrated billing to Postgres 15\n- Paired with Dana on replication lag\n',
  '2023/2023-W11.md': '# 2023-W11\n\n## Done\n\n- Shipped search ranking v2\n- Kubernetes staging cluster\n',
  '2023/2023-W15.md': '# 2023-W15\n\n## Done\n\n- Mobile release 4.2\n',
}

let modelDir: string
let root: string
let folder: string
let common: string[]
let cleanup: () => void

beforeAll(async () => {
  modelDir = (await ensureTinyEmbeddingModel()).modelDir
  const temp = makeTempDir('notes-rag-cli-export-')
  cleanup = temp.cleanup
  root = temp.dir
  folder = path.join(root, 'notes')
  writeFiles(folder, NOTES)
  common = ['--data-dir', path.join(root, 'data'), '--embedding-model', modelDir, '--today', '2023-05-01']
  const index = await runCli(['index', folder, ...common])
  expect(index.code, index.stderr).toBe(0)
}, 120_000)
afterAll(() => cleanup?.())

/** Each `[n] \`path\`, lines a–b` entry of an export, checked against the note on disk. */
function sourceEntries(markdown: string) {
  return [...markdown.matchAll(/^\[(\d+)\] `([^`]+)`, lines? (\d+)(?:–(\d+))? \((\d{4}-\d{2}-\d{2})/gm)].map((match) => ({
    n: Number(match[1]),
    path: match[2],
    startLine: Number(match[3]),
    endLine: Number(match[4] ?? match[3]),
    periodStart: match[5],
  }))
}

describe('notes-rag ask --format markdown (real processes)', () => {
  it('a period question answered retrieval-only exports the passages of that period, with lines that exist', async () => {
    const result = await runCli(['ask', 'what was I doing in March 2023?', '--format', 'markdown', '--policy', 'local-only', '--llm-model', path.join(root, 'missing.gguf'), ...common])
    expect(result.code, result.stderr).toBe(0)
    const markdown = result.stdout
    expect(markdown).toMatch(/^# what was I doing in March 2023\?\n\n_Exported from notes-rag on \d{4}-\d{2}-\d{2} · March 2023 \(2023-03-01 to 2023-03-31\)_\n/)
    expect(markdown).toMatch(/^> \*\*Retrieval only:\*\*/m)
    expect(markdown).toMatch(/^## Passages$/m)
    const entries = sourceEntries(markdown)
    expect(new Set(entries.map((entry) => entry.path))).toEqual(new Set(['2023/2023-W10.md', '2023/2023-W11.md']))
    for (const entry of entries) {
      const lines = NOTES[entry.path].split('\n')
      expect(entry.endLine).toBeLessThanOrEqual(lines.length)
      // The quote under each entry is the cited lines themselves.
      const quoted = lines.slice(entry.startLine - 1, entry.endLine).filter((line) => line.trim())[0]
      expect(markdown).toContain(`> ${quoted}`)
    }
    expect(markdown).toContain('<sub>Answered by retrieval only · period March 2023 (2023-03-01 to 2023-03-31)</sub>')
  }, 120_000)

  it('--output writes the file (nothing on stdout) with the local model\'s answer and its sources', async () => {
    const chatModel = await ensureTinyChatModel()
    const target = path.join(root, 'exports', 'kubernetes.md')
    fs.mkdirSync(path.dirname(target), { recursive: true })
    const result = await runCli(['ask', 'kubernetes staging cluster', '--format', 'markdown', '-o', target, '--policy', 'local-only', '--llm-model', chatModel, '--threads', '1', ...common])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain(`Wrote ${target}`)
    const markdown = fs.readFileSync(target, 'utf8')
    expect(markdown).toMatch(/^# kubernetes staging cluster\n/)
    expect(markdown).toMatch(/^## (Sources|Passages)$/m)
    expect(markdown).toMatch(/<sub>Answered by local model .*\.gguf<\/sub>\n$/)
    expect(sourceEntries(markdown)[0]).toMatchObject({ n: 1, path: '2023/2023-W11.md' })
    expect(fs.readdirSync(path.dirname(target))).toEqual(['kubernetes.md'])

    // A folder that does not exist is a clear error, not a stack trace; nothing is left behind.
    const missing = await runCli(['ask', 'kubernetes', '--format', 'markdown', '-o', path.join(root, 'nope', 'x.md'), '--policy', 'local-only', '--llm-model', path.join(root, 'missing.gguf'), ...common])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^notes-rag: Cannot write .*nope\/x\.md: ENOENT/m)
    expect(fs.existsSync(path.join(root, 'nope'))).toBe(false)

    const bad = await runCli(['ask', 'kubernetes', '--format', 'html', ...common])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--format must be text, markdown or json/)
    expect((await runCli(['search', 'kubernetes', '-o', target, ...common])).code).toBe(2)
    // The notes themselves are untouched.
    for (const [file, text] of Object.entries(NOTES)) expect(fs.readFileSync(path.join(folder, file), 'utf8')).toBe(text)
  }, 180_000)
})
