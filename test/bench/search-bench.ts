// Search latency at 10,000 and 100,000 chunks of 384-d vectors, with and without the LanceDB ANN index
// (whatever `VectorStore.ensureAnnIndex` builds; its type is printed):
// `npx tsx test/bench/search-bench.ts` (SEARCH_BENCH_SCALES=10000,100000 to choose the sizes; SEARCH_BENCH_ANN=0 skips
// the index build). "same top 10" is the share of the exact search's top-10 hits the indexed search also returns.
// Text and vectors are synthetic and written straight into the real MetaStore (SQLite FTS5) and VectorStore
// (LanceDB). Query vectors come from a deterministic stand-in embedder: the figure measured is the search path
// (parsing, FTS5, vector search, fusion, chunk fetch), not the embedding model.
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChunkDraft } from '../../electron/engine/chunker/types'
import type { Embedder } from '../../electron/engine/embedder/types'
import { addDays } from '../../shared/dates/calendar-date'
import { Searcher } from '../../electron/engine/retrieval/searcher'
import { MetaStore } from '../../electron/engine/store/meta-store'
import { VectorStore } from '../../electron/engine/store/vector-store'
import type { VectorRow } from '../../electron/engine/store/types'
import { createRandom } from '../fixtures/corpus/generate-corpus'
import { percentile } from './bench-utils'

const DIMENSIONS = 384
const CHUNKS_PER_FILE = 10
const TOPICS = 64
const QUERIES = 200
const SCALES = (process.env.SEARCH_BENCH_SCALES ?? '10000,100000').split(',').map(Number)
const TODAY = '2026-01-07'
const FIRST_MONDAY = '2022-01-03'

const random = createRandom(7)
// A Zipf-like vocabulary: a few common words and a long tail, as in real notes.
const VOCABULARY = Array.from({ length: 6000 }, (_, index) => syllables(index))
const TOPIC_WORDS = Array.from({ length: TOPICS }, (_, topic) => Array.from({ length: 12 }, (_, word) => VOCABULARY[200 + topic * 12 + word]))
const CENTROIDS = Array.from({ length: TOPICS }, () => normalise(Float32Array.from({ length: DIMENSIONS }, () => gaussian())))

function syllables(index: number): string {
  const parts = ['ka', 'lo', 'mi', 'ne', 'su', 'ra', 'to', 'vi', 'de', 'po', 'li', 'ga', 'ze', 'bu', 'fo', 'hi']
  let word = ''
  let value = index + 17
  while (value > 0) {
    word += parts[value % parts.length]
    value = Math.floor(value / parts.length)
  }
  return word
}

function gaussian(): number {
  return Math.sqrt(-2 * Math.log(random() || 1e-9)) * Math.cos(2 * Math.PI * random())
}

function normalise(vector: Float32Array): Float32Array {
  let norm = 0
  for (const value of vector) norm += value * value
  norm = Math.sqrt(norm) || 1
  for (let index = 0; index < vector.length; index++) vector[index] /= norm
  return vector
}

function topicVector(topic: number, noise: number): Float32Array {
  const centroid = CENTROIDS[topic]
  return normalise(Float32Array.from({ length: DIMENSIONS }, (_, index) => centroid[index] + noise * gaussian()))
}

function zipfWord(): string {
  return VOCABULARY[Math.min(VOCABULARY.length - 1, Math.floor(Math.pow(random(), 3) * VOCABULARY.length))]
}

function chunkText(topic: number): string {
  const words: string[] = []
  for (let index = 0; index < 70; index++) words.push(random() < 0.15 ? TOPIC_WORDS[topic][Math.floor(random() * 12)] : zipfWord())
  return `- ${words.join(' ')}`
}

/** Maps a query to its topic's centroid plus noise: the topic is the one whose words the query uses most. */
class SyntheticEmbedder implements Embedder {
  readonly info = { modelId: 'bench/synthetic', dimensions: DIMENSIONS, maxTokens: 512, queryPrefix: '', passagePrefix: '' }
  private readonly topicOf = new Map(TOPIC_WORDS.flatMap((words, topic) => words.map((word) => [word, topic] as const)))
  async prepareTokenizer(): Promise<void> {}
  countTokens(text: string): number {
    return text.split(/\s+/).length
  }
  async embedPassages(texts: string[]): Promise<Float32Array[]> {
    return texts.map((text) => this.vectorFor(text))
  }
  async embedQuery(text: string): Promise<Float32Array> {
    return this.vectorFor(text)
  }
  async fingerprint(): Promise<Float32Array> {
    return this.vectorFor('fingerprint')
  }
  dispose(): void {}
  private vectorFor(text: string): Float32Array {
    const topic = text.split(/\s+/).map((word) => this.topicOf.get(word)).find((value) => value !== undefined)
    return topicVector(topic ?? createHash('sha1').update(text).digest()[0] % TOPICS, 0.6)
  }
}

async function fill(meta: MetaStore, vectors: VectorStore, table: string, chunks: number): Promise<void> {
  const files = Math.ceil(chunks / CHUNKS_PER_FILE)
  let pending: VectorRow[] = []
  for (let file = 0; file < files; file++) {
    const author = file % 25
    const weekIndex = Math.floor(file / 25) % 208
    const start = addDays(FIRST_MONDAY, weekIndex * 7)
    const end = addDays(start, 6)
    const path = `team/member-${author}/${start}.md`
    const drafts: ChunkDraft[] = []
    for (let ordinal = 0; ordinal < CHUNKS_PER_FILE && file * CHUNKS_PER_FILE + ordinal < chunks; ordinal++) {
      const topic = Math.floor(random() * TOPICS)
      const text = chunkText(topic)
      const embedText = `${start} > Done\n${text}`
      const id = createHash('sha256').update(`${path}\u0000${ordinal}`).digest('hex').slice(0, 24)
      const contentHash = createHash('sha256').update(embedText).digest('hex')
      drafts.push({ id, ordinal, headingPath: [start, 'Done'], startLine: ordinal * 3 + 1, endLine: ordinal * 3 + 2, text, embedText, contentHash })
      pending.push({ id, contentHash, path, periodStart: start, periodEnd: end, vector: topicVector(topic, 0.6) })
    }
    meta.replaceFile({ path, size: 2000, mtimeMs: 0, sha256: createHash('sha256').update(path).digest('hex'), period: { start, end, source: 'file-name', inferred: false }, label: start }, drafts)
    meta.chunks.markEmbedded(drafts.map((draft) => draft.id))
    if (pending.length >= 10_000) {
      await vectors.upsert(table, pending)
      pending = []
    }
  }
  if (pending.length > 0) await vectors.upsert(table, pending)
}

const KINDS = ['keyword', 'month-scoped', 'range-only week', 'in: folder', 'relative'] as const

function queries(): string[] {
  const result: string[] = []
  const months = ['January', 'March', 'May', 'July', 'September', 'November']
  for (let index = 0; index < QUERIES; index++) {
    const topic = TOPIC_WORDS[index % TOPICS]
    const words = `${topic[index % 12]} ${topic[(index + 5) % 12]} ${zipfWord()}`
    const year = 2022 + (index % 4)
    switch (index % 5) {
      case 0: result.push(words); break
      case 1: result.push(`${words} in ${months[index % months.length]} ${year}`); break
      case 2: result.push(`what did I do in ${year}-W${String((index % 50) + 1).padStart(2, '0')}`); break
      case 3: result.push(`in:team/member-${index % 25}/ ${words}`); break
      default: result.push(`${topic[index % 12]} last month`); break
    }
  }
  return result
}

interface Figures {
  p50: number
  p95: number
  max: number
  hits: number
  byKind: string
  topIds: string[][]
}

async function measure(searcher: Searcher, list: string[]): Promise<Figures> {
  for (const query of list.slice(0, 10)) await searcher.search(query, { today: TODAY }) // warm caches and statements
  const times: number[] = []
  const kindTimes = KINDS.map(() => [] as number[])
  const topIds: string[][] = []
  let hits = 0
  for (const [index, query] of list.entries()) {
    const started = performance.now()
    const result = await searcher.search(query, { today: TODAY })
    const elapsed = performance.now() - started
    times.push(elapsed)
    kindTimes[index % KINDS.length].push(elapsed)
    hits += result.hits.length
    topIds.push(result.hits.slice(0, 10).map((hit) => hit.chunkId))
  }
  const byKind = KINDS.map((kind, index) => `${kind} ${percentile(kindTimes[index], 0.5).toFixed(0)}/${percentile(kindTimes[index], 0.95).toFixed(0)}`).join(', ')
  return { p50: percentile(times, 0.5), p95: percentile(times, 0.95), max: Math.max(...times), hits: hits / list.length, byKind, topIds }
}

const rows: string[] = []
console.log(`search bench: ${QUERIES} mixed queries (keyword, month-scoped, range-only week, in: folder, relative), ${DIMENSIONS}-d vectors, node ${process.version}`)
for (const scale of SCALES) {
  const root = await mkdtemp(join(tmpdir(), 'notes-rag-search-bench-'))
  const meta = MetaStore.open(join(root, 'meta.db'))
  const vectors = await VectorStore.open(join(root, 'vectors'))
  try {
    const embedder = new SyntheticEmbedder()
    const table = VectorStore.tableName(embedder.info.modelId, DIMENSIONS)
    await vectors.ensureTable(table, DIMENSIONS)
    const fillStart = performance.now()
    await fill(meta, vectors, table, scale)
    console.log(`${scale} chunks written in ${((performance.now() - fillStart) / 1000).toFixed(1)} s`)
    const searcher = new Searcher({ meta, vectors: () => ({ store: vectors, table }), embedder: () => embedder })
    const list = queries()
    const flat = await measure(searcher, list)
    rows.push(row(scale, 'none (exact)', flat, null))
    console.log(rows[rows.length - 1])
    console.log(`  p50/p95 ms by kind: ${flat.byKind}`)
    if (process.env.SEARCH_BENCH_ANN === '0') continue
    const indexStart = performance.now()
    const built = await vectors.ensureAnnIndex(table, { minRows: 0 })
    const indexType = (await vectors.vectorIndexType(table)) ?? 'none'
    console.log(`${indexType} index ${built ? 'built' : 'not built'} in ${((performance.now() - indexStart) / 1000).toFixed(1)} s`)
    const ann = await measure(searcher, list)
    rows.push(row(scale, indexType, ann, agreement(flat.topIds, ann.topIds)))
    console.log(rows[rows.length - 1])
    console.log(`  p50/p95 ms by kind: ${ann.byKind}`)
  } finally {
    await vectors.dispose()
    meta.dispose()
    await rm(root, { recursive: true, force: true })
  }
}

function agreement(exact: string[][], approximate: string[][]): number {
  let shared = 0
  let total = 0
  for (const [index, ids] of exact.entries()) {
    const found = new Set(approximate[index])
    shared += ids.filter((id) => found.has(id)).length
    total += ids.length
  }
  return total === 0 ? 1 : shared / total
}

function row(scale: number, index: string, figures: Figures, sameTop: number | null): string {
  return `| ${String(scale).padStart(7)} | ${index.padEnd(12)} | ${figures.p50.toFixed(1).padStart(7)} | ${figures.p95.toFixed(1).padStart(7)} | ${figures.max.toFixed(1).padStart(7)} | ${figures.hits.toFixed(1).padStart(8)} | ${sameTop === null ? '-'.padStart(11) : sameTop.toFixed(3).padStart(11)} |`
}

console.log('\n| chunks  | ANN index    | p50 ms  | p95 ms  | max ms  | hits/qry | same top 10 |')
console.log('|---------|--------------|---------|---------|---------|----------|-------------|')
for (const line of rows) console.log(line)
