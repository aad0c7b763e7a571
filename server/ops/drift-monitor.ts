import type { Queryable } from '../db/database'
import { cosine, toPgVector, type LoadedModel } from '../embedding/model-pool'
import { ksTwoSample, quantile } from './kolmogorov-smirnov'
import { errorMessage } from '../../shared/errors'

export interface DriftOptions {
  /** Recent queries compared with the corpus. */
  windowQueries: number
  /** No alert before this many queries: a handful says nothing about a distribution. */
  minQueries: number
  /** The KS test's significance level for the alert. */
  alpha: number
  /** A query whose nearest chunk is less similar than this quantile of in-scope questions' (and that no keyword finds) is outside the notes. */
  outsideQuantile: number
  /** Corpus passages embedded as queries to form the baseline. */
  baselineSample: number
}

/** The drift state of one user's queries, as `/v1/status` and `/metrics` show it. */
export interface DriftStatus {
  queries: number
  baselineSize: number
  statistic: number | null
  pValue: number | null
  alert: boolean
  /** Similarity to the nearest chunk below which a query counts as outside the notes; null without a baseline. */
  outsideThreshold: number | null
  message: string
}

interface Baseline {
  revision: number
  centroid: Float32Array
  /** Pseudo-queries' cosine to the centroid: the corpus side of the KS test. */
  cosines: number[]
  /** Pseudo-queries' similarity to the nearest chunk other than their own: how close an in-scope question gets. */
  nearest: number[]
  /** A query whose nearest chunk is less similar than this (and that no keyword finds) is outside the notes. */
  threshold: number
}

/** Pseudo-queries run from 4 to 12 words, like typed questions once stopwords and filler are counted. */
const PSEUDO_QUERY_MIN_WORDS = 4
const PSEUDO_QUERY_MAX_WORDS = 12

/**
 * Drift detection over query embeddings. The corpus side is the cosine to the user's corpus centroid of pseudo-queries
 * cut from the notes (a dozen words of sampled chunks, embedded as queries with the index model, so query prefixes and
 * length match what users type); the query side is the same cosine for the user's recent queries. A two-sample
 * Kolmogorov–Smirnov test between them raises the alert; one query far below the corpus is answered as outside the notes.
 */
export class DriftMonitor {
  private readonly entries = new Map<number, { ready: Baseline | null; building: Promise<Baseline | null> | null; buildingRevision: number | null }>()

  constructor(
    private readonly db: Queryable,
    private readonly options: DriftOptions,
  ) {}

  /** The baseline for a user at this revision, built now if needed (status pages wait for it). Null without vectors. */
  baseline(userId: number, revision: number, model: LoadedModel): Promise<Baseline | null> {
    const entry = this.entries.get(userId)
    if (entry?.ready && entry.ready.revision === revision) return Promise.resolve(entry.ready)
    if (entry?.building && entry.buildingRevision === revision) return entry.building
    return this.build(userId, revision, model)
  }

  /**
   * The baseline an answer can use without waiting: the last one built (maybe of an older revision while the new one
   * builds in the background), or null before the first is ready. Building embeds a few hundred pseudo-queries, which
   * an answer should not pay for.
   */
  current(userId: number, revision: number, model: LoadedModel): Baseline | null {
    const entry = this.entries.get(userId)
    const fresh = entry?.ready?.revision === revision || (entry?.building !== null && entry?.buildingRevision === revision)
    if (!fresh) void this.build(userId, revision, model).catch((error: unknown) => console.warn('[server] drift baseline failed:', errorMessage(error)))
    return entry?.ready ?? null
  }

  private build(userId: number, revision: number, model: LoadedModel): Promise<Baseline | null> {
    const entry = this.entries.get(userId) ?? { ready: null, building: null, buildingRevision: null }
    this.entries.set(userId, entry)
    const building = this.buildBaseline(userId, revision, model).then(
      (baseline) => {
        if (entry.building === building) {
          entry.building = null
          entry.buildingRevision = null
        }
        if (!entry.ready || entry.ready.revision <= revision) entry.ready = baseline
        return baseline
      },
      (error: unknown) => {
        if (entry.building === building) {
          entry.building = null
          entry.buildingRevision = null
        }
        throw error
      },
    )
    entry.building = building
    entry.buildingRevision = revision
    return building
  }

  /**
   * Records a query vector; returns its cosine to the centroid and whether it is outside what the notes cover: no
   * keyword of it occurs in the notes and its nearest chunk is further than nearly every in-scope question's.
   */
  async observe(userId: number, baseline: Baseline, vector: Float32Array, search: { keywordMatches: number; nearestSimilarity: number | null }): Promise<{ cosine: number; outside: boolean }> {
    const similarity = cosine(vector, baseline.centroid)
    await this.db.query('INSERT INTO query_log (user_id, centroid_cosine) VALUES ($1, $2)', [userId, similarity])
    const nearest = search.nearestSimilarity ?? Number.NEGATIVE_INFINITY
    return { cosine: similarity, outside: search.keywordMatches === 0 && nearest < baseline.threshold }
  }

  async status(userId: number, baseline: Baseline | null): Promise<DriftStatus> {
    const { rows } = await this.db.query<{ centroid_cosine: number }>(
      'SELECT centroid_cosine FROM query_log WHERE user_id = $1 ORDER BY id DESC LIMIT $2',
      [userId, this.options.windowQueries],
    )
    const recent = rows.map((row) => Number(row.centroid_cosine))
    if (!baseline) {
      return { queries: recent.length, baselineSize: 0, statistic: null, pValue: null, alert: false, outsideThreshold: null, message: 'No vectors synced yet: nothing to compare queries with.' }
    }
    if (recent.length === 0) {
      return { queries: 0, baselineSize: baseline.cosines.length, statistic: null, pValue: null, alert: false, outsideThreshold: baseline.threshold, message: 'No queries yet.' }
    }
    const { statistic, pValue } = ksTwoSample(recent, baseline.cosines)
    const enough = recent.length >= this.options.minQueries
    const alert = enough && pValue < this.options.alpha
    const message = !enough
      ? `${recent.length} of ${this.options.minQueries} queries needed before drift is judged.`
      : alert
        ? `Recent queries drifted from what the notes cover (KS D=${statistic.toFixed(3)}, p=${pValue.toExponential(2)} < ${this.options.alpha}).`
        : `Recent queries match the notes (KS D=${statistic.toFixed(3)}, p=${pValue.toFixed(3)}).`
    return { queries: recent.length, baselineSize: baseline.cosines.length, statistic, pValue, alert, outsideThreshold: baseline.threshold, message }
  }

  private async buildBaseline(userId: number, revision: number, model: LoadedModel): Promise<Baseline | null> {
    const dimensions = model.fingerprint.length
    const centroidRow = await this.db.query<{ centroid: string | null }>(
      'SELECT avg(embedding)::text AS centroid FROM chunks WHERE user_id = $1 AND embedding IS NOT NULL AND vector_dims(embedding) = $2',
      [userId, dimensions],
    )
    const text = centroidRow.rows[0]?.centroid
    if (!text) return null
    const centroid = Float32Array.from(JSON.parse(text) as number[])
    // A deterministic spread over the corpus: ordered by a hash of the chunk id.
    const { rows } = await this.db.query<{ id: string; text: string }>(
      'SELECT id, text FROM chunks WHERE user_id = $1 AND embedding IS NOT NULL ORDER BY md5(id) LIMIT $2',
      [userId, this.options.baselineSample],
    )
    const span = PSEUDO_QUERY_MAX_WORDS - PSEUDO_QUERY_MIN_WORDS + 1
    const cosines: number[] = []
    const nearest: number[] = []
    for (const [index, row] of rows.entries()) {
      const query = pseudoQuery(row.text, PSEUDO_QUERY_MIN_WORDS + (index % span))
      if (query.length === 0) continue
      const vector = await model.embedder.embedQuery(query)
      cosines.push(cosine(vector, centroid))
      // Leave-one-out: the chunk the words were cut from would always be the nearest.
      const { rows: found } = await this.db.query<{ similarity: number }>(
        `SELECT 1 - (embedding <=> $3::vector) AS similarity FROM chunks
         WHERE user_id = $1 AND id <> $2 AND embedding IS NOT NULL AND vector_dims(embedding) = $4 ORDER BY embedding <=> $3::vector LIMIT 1`,
        [userId, row.id, toPgVector(vector), dimensions],
      )
      if (found.length > 0) nearest.push(Number(found[0].similarity))
    }
    if (cosines.length === 0) return null
    return { revision, centroid, cosines, nearest, threshold: nearest.length > 0 ? quantile(nearest, this.options.outsideQuantile) : Number.NEGATIVE_INFINITY }
  }
}

/** `count` words from the middle of a chunk, markdown marks dropped: the length of a typed question. */
export function pseudoQuery(text: string, count: number): string {
  const words = text.replace(/[#*`>_[\]()-]+/g, ' ').split(/\s+/).filter((word) => /[\p{L}\p{N}]/u.test(word))
  const start = Math.max(0, Math.floor((words.length - count) / 2))
  return words.slice(start, start + count).join(' ')
}

