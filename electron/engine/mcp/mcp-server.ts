import { randomUUID } from 'node:crypto'
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import { BrainError, toErrorData } from '../../../shared/errors'
import { answerToMarkdown } from '../../../shared/markdown-export'
import type { SearchHit } from '../../../shared/search'
import type { Engine } from '../engine'
import { addDays, utcMsToIsoDate } from '../../../shared/dates/calendar-date'
import { MAX_SEARCH_LIMIT } from '../retrieval/searcher'
import { readNoteExcerpt, resolveNote, type NoteAccessRules } from './note-access'
import { headingsFromPaths, parsePeriodPhrase, timelineOf, weeksOf } from './notes-catalog'

export const MCP_SERVER_NAME = 'notes-rag'
/** Resource URIs of notes: notes-rag://note/<path relative to the folder>. */
export const NOTE_URI_PREFIX = 'notes-rag://note/'

export interface NotesMcpServerOptions {
  /** Reported to clients in the initialize handshake. */
  version: string
  /** "Today" for relative periods ("last week"); tests pin it. */
  today?: string
}

/** Passages a timeline counts when none contains the query's words. */
const MEANING_FALLBACK_HITS = 20

const PERIOD_DESCRIPTION = 'A time range as you would type it: "March 2023", "Q2 2024", "2023", "2024-W14", "last week", "between January and March 2024", "after:2023-01-01 before:2023-04-01".'

/**
 * The notes as an MCP server: search, weeks, reading, answers and a timeline over the same engine the app and the
 * CLI use. It only reads: the notes are never written, and answers follow the routing policy (local-only never
 * opens a connection). Every tool error comes back as an `isError` result carrying the engine's error code.
 */
export function createNotesMcpServer(engine: Engine, options: NotesMcpServerOptions): McpServer {
  const server = new McpServer(
    { name: MCP_SERVER_NAME, version: options.version },
    {
      instructions:
        'Tools over the user\'s markdown weekly logs (notes-rag). Use search_notes for topics, list_weeks or timeline for "what did I do in <period>", ask_notes for a grounded answer with citations, read_note to read a cited note or its lines.',
    },
  )
  const today = () => options.today ?? utcMsToIsoDate(Date.now())

  server.registerTool(
    'search_notes',
    {
      title: 'Search notes',
      description: 'Hybrid keyword and meaning search over the weekly logs. Time phrases in the query ("kubernetes last march") narrow it to that period. Returns passages with their note path, lines and week.',
      inputSchema: {
        query: z.string().min(1).describe('What to look for; may include a time phrase or in:folder/.'),
        limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).optional().describe('Maximum passages (default 10).'),
        period: z.string().optional().describe(PERIOD_DESCRIPTION),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ query, limit, period }, extra) =>
      run(async () => {
        const range = period ? parsePeriodPhrase(period, today()) : null
        // `before` is exclusive, as in the query operators.
        const bounds = range ? { after: range.start, before: addDays(range.end, 1) } : {}
        const result = await engine.call('search', [query, { limit: limit ?? 10, today: today(), ...bounds }], extra.signal)
        const understood = result.period && range && result.period.start === range.start && result.period.end === range.end ? range : result.period
        const servable = await servableNotes(engine, result.hits.map((hit) => hit.path))
        return {
          query: result.query,
          period: understood ? { start: understood.start, end: understood.end, label: understood.label } : null,
          mode: result.mode,
          modeReason: result.modeReason,
          hits: result.hits.filter((hit) => servable.has(hit.path)).map(hitJson),
        }
      }),
  )

  server.registerTool(
    'list_weeks',
    {
      title: 'List weeks',
      description: 'Every week of a period with its notes and their section headings, oldest first: the outline of what was written when.',
      inputSchema: { period: z.string().optional().describe(`${PERIOD_DESCRIPTION} Omit for every week.`) },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ period }) =>
      run(async () => {
        const range = period ? parsePeriodPhrase(period, today()) : null
        const meta = engine.metaStore
        const files = meta.files.list()
        const servable = await servableNotes(engine, files.map((file) => file.path))
        const weeks = weeksOf(files.filter((file) => servable.has(file.path)), range, (notePath) => headingsFromPaths(meta.chunks.forFile(notePath).map((chunk) => chunk.headingPath)))
        return { period: range, weeks: weeks.map((week) => ({ ...week, notes: week.notes.map((note) => ({ path: note.path, label: note.label, start: note.period.start, end: note.period.end, headings: note.headings })) })) }
      }),
  )

  server.registerTool(
    'read_note',
    {
      title: 'Read a note',
      description: 'The text of one note (a path relative to the notes folder, as returned by the other tools), optionally only lines startLine..endLine. Only notes inside the folder can be read.',
      inputSchema: {
        path: z.string().min(1).describe('Relative to the notes folder, e.g. 2024/2024-W14.md.'),
        startLine: z.number().int().min(1).optional().describe('First line, 1-based.'),
        endLine: z.number().int().min(1).optional().describe('Last line, inclusive.'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ path: notePath, startLine, endLine }) => run(async () => readNoteExcerpt(accessRules(engine), notePath, { startLine, endLine })),
  )

  server.registerTool(
    'ask_notes',
    {
      title: 'Ask the notes',
      description: 'A grounded answer from the notes with numbered citations ([n] -> note, lines, week), produced by the model the user\'s routing policy picks (local, or the homelab gateway unless local-only); when no model can answer, the matching passages are returned, labelled retrieval-only.',
      inputSchema: { question: z.string().min(1).describe('A question about the notes, e.g. "what did I ship in Q2 2024?".') },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ question }, extra) => {
      try {
        const answer = await engine.call('ask', [{ answerId: randomUUID(), question, backend: 'auto', today: today() }], extra.signal)
        const failed = answer.error !== null && answer.meta.backend !== 'retrieval-only'
        const structured = { answer: answer.text, backend: answer.meta.backend, model: answer.meta.model, period: answer.meta.period, citations: answer.citations.map(citationJson), sources: answer.sources.map(citationJson), error: answer.error }
        return {
          content: [
            { type: 'text', text: answerToMarkdown(question, answer) },
            { type: 'text', text: JSON.stringify(structured, null, 2) },
          ],
          structuredContent: structured,
          ...(failed ? { isError: true } : {}),
        } satisfies CallToolResult
      } catch (error) {
        return errorResult(error)
      }
    },
  )

  server.registerTool(
    'timeline',
    {
      title: 'Timeline',
      description: 'When a topic comes up: how many passages mention it in each week or month, oldest first, with the notes that hold them ("when did we work on kubernetes?"). Counts keyword matches; when no passage contains the words, the closest passages by meaning.',
      inputSchema: {
        query: z.string().min(1).describe('The topic; may include a time phrase to limit the range.'),
        granularity: z.enum(['week', 'month']).optional().describe('Group by week or month (default month).'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ query, granularity }, extra) =>
      run(async () => {
        const result = await engine.call('search', [query, { limit: MAX_SEARCH_LIMIT, today: today() }], extra.signal)
        const servable = await servableNotes(engine, result.hits.map((hit) => hit.path))
        const hits = result.hits.filter((hit) => servable.has(hit.path))
        // Vector search always returns neighbours, related or not: counting them would put every week on the
        // timeline. Passages that contain the words (or fill an asked range) are the matches.
        const matched = hits.filter((hit) => hit.retrievers.includes('keyword') || hit.retrievers.includes('period'))
        const counted = matched.length > 0 ? matched : hits.slice(0, MEANING_FALLBACK_HITS)
        return {
          query: result.query,
          period: result.period ? { start: result.period.start, end: result.period.end, label: result.period.label } : null,
          granularity: granularity ?? 'month',
          matchedBy: matched.length > 0 ? 'keywords' : 'meaning',
          matches: counted.length,
          // The search returns at most MAX_SEARCH_LIMIT passages; a full page means there may be more.
          truncated: result.hits.length >= MAX_SEARCH_LIMIT,
          buckets: timelineOf(counted, granularity ?? 'month'),
        }
      }),
  )

  server.registerResource(
    'note',
    new ResourceTemplate(`${NOTE_URI_PREFIX}{+path}`, {
      list: async () => {
        const files = engine.metaStore.files.list().filter((file) => file.status !== 'failed')
        const servable = await servableNotes(engine, files.map((file) => file.path))
        return {
        resources: files
          .filter((file) => servable.has(file.path))
          .map((file) => ({
            uri: noteUri(file.path),
            name: file.path,
            title: file.label ?? file.path,
            mimeType: 'text/markdown',
            ...(file.period ? { description: `${file.label ?? ''} (${file.period.start} to ${file.period.end})`.trim() } : {}),
          })),
        }
      },
    }),
    { title: 'Notes', description: 'The indexed notes of the weekly-logs folder, read-only.', mimeType: 'text/markdown' },
    async (uri) => {
      const notePath = notePathFromUri(uri)
      const note = await readNoteExcerpt(accessRules(engine), notePath)
      return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text: note.text }] }
    },
  )

  return server
}

/** The resource URI of a note: each path segment percent-encoded, the slashes kept. */
export function noteUri(notePath: string): string {
  return `${NOTE_URI_PREFIX}${notePath.split('/').map(encodeURIComponent).join('/')}`
}

function notePathFromUri(uri: URL): string {
  if (!uri.href.startsWith(NOTE_URI_PREFIX)) throw new BrainError('invalid-input', `Not a note resource: ${uri.href}`)
  return uri.href.slice(NOTE_URI_PREFIX.length).split('/').map(decodeURIComponent).join('/')
}

/**
 * The indexed paths read_note would serve. The index may hold a note that is a symlink to a file outside the
 * folder; what the server refuses to read it does not list or quote either.
 */
async function servableNotes(engine: Engine, paths: readonly string[]): Promise<Set<string>> {
  const rules = accessRules(engine)
  const unique = [...new Set(paths)]
  const resolved = await Promise.all(unique.map((notePath) => resolveNote(rules, notePath).then((note) => note.path === notePath, () => false)))
  return new Set(unique.filter((_, index) => resolved[index]))
}

function accessRules(engine: Engine): NoteAccessRules {
  const settings = engine.currentSettings
  if (!settings.folder) throw new BrainError('folder-not-set', 'No notes folder is set: run `notes-rag index <folder>` or choose one in the app.')
  return { folder: settings.folder, extensions: settings.indexing.extensions, maxFileBytes: settings.indexing.maxFileBytes }
}

async function run(work: () => Promise<unknown>): Promise<CallToolResult> {
  try {
    const value = await work()
    return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }], structuredContent: value as Record<string, unknown> }
  } catch (error) {
    return errorResult(error)
  }
}

/** Tool failures are results, not protocol errors, so the assistant sees the reason and can correct its call. */
function errorResult(error: unknown): CallToolResult {
  const data = toErrorData(error)
  return { content: [{ type: 'text', text: `${data.code}: ${data.message}` }], structuredContent: { error: data }, isError: true }
}

function hitJson(hit: SearchHit) {
  return { path: hit.path, headingPath: hit.headingPath, startLine: hit.startLine, endLine: hit.endLine, periodStart: hit.periodStart, periodEnd: hit.periodEnd, score: hit.score, snippet: hit.snippet, text: hit.text }
}

function citationJson(citation: import('../../../shared/answer').Citation) {
  const { chunkId: _chunkId, ...rest } = citation
  return rest
}
