import type { EmbeddingDescriptor } from '../../shared/sync-protocol'
import type { ServiceUser } from '../auth/user-store'
import { cosine, type LoadedModel, type ModelPool } from '../embedding/model-pool'
import { ServiceError } from '../http/service-error'
import { errorMessage } from '../../shared/errors'

/** The contract's threshold: one model's quantised and full weights agree far above it, two models far below. */
export const FINGERPRINT_MIN_COSINE = 0.98

/** What to do with a batch's vectors, decided once per batch. */
export type VectorDecision =
  | { kind: 'stored' }
  /** The client's vectors are refused (skew, or a text-only batch); the server embeds embedText with `model`. */
  | { kind: 're-embedded'; model: LoadedModel; reason: string }
  /** No server model can embed for this user: text only (keyword search). */
  | { kind: 'none'; reason: string }

export interface DecisionOutcome {
  decision: VectorDecision
  /** Set when this batch fixes the user's index model (the first embedded batch). */
  indexModel: { source: string; modelId: string; dimensions: number; fingerprint: number[] } | null
}

/**
 * The train/serve skew check of the contract (section 2). A user's index is bound to one server-side model, named by
 * an operator or taken from the first batch's model id; its fingerprint is stored with the user. A batch's vectors
 * are kept only when its fingerprint matches that stored fingerprint (same model id or alias, same dimensions,
 * cosine >= 0.98). Otherwise they are refused: re-embedded with the user's model (`skew: 're-embed'`, the
 * contract's default) or the whole batch answered 400 (`skew: 'refuse'`), so one index never mixes two models.
 */
export async function decideVectors(user: ServiceUser, embedding: EmbeddingDescriptor | null, pool: ModelPool, skew: 're-embed' | 'refuse'): Promise<DecisionOutcome> {
  const source = user.indexModel ?? (embedding ? pool.sourceFor(embedding.modelId) : null)
  if (!source) return { decision: { kind: 'none', reason: 'No embedding model is known for this user yet.' }, indexModel: null }
  let model: LoadedModel
  try {
    model = await pool.load(source)
  } catch (error) {
    const message = errorMessage(error)
    if (user.indexFingerprint) {
      // The model this index was built with has gone missing: storing text only now would silently degrade it.
      throw new ServiceError(503, 'internal', `The embedding model ${source} of this index cannot be loaded: ${message}`, { 'retry-after': '60' })
    }
    return { decision: { kind: 'none', reason: `The service cannot load an embedding model for ${source}: ${message}` }, indexModel: null }
  }
  const stored = user.indexFingerprint ?? model.fingerprint
  const indexModel = user.indexFingerprint
    ? null
    : { source, modelId: embedding?.modelId ?? source, dimensions: model.fingerprint.length, fingerprint: model.fingerprint }
  if (user.indexFingerprint && cosine(user.indexFingerprint, model.fingerprint) < FINGERPRINT_MIN_COSINE) {
    throw new ServiceError(503, 'internal', `The embedding model at ${source} changed since this index was built (its fingerprint differs); the operator must rebuild the index.`)
  }
  if (!embedding) return { decision: { kind: 're-embedded', model, reason: 'The batch carries text only.' }, indexModel }
  const sameModel = embedding.modelId === (user.indexModelId ?? embedding.modelId) || pool.sourceFor(embedding.modelId) === source
  const similarity = embedding.dimensions === stored.length ? cosine(embedding.fingerprint, stored) : 0
  if (sameModel && similarity >= FINGERPRINT_MIN_COSINE) return { decision: { kind: 'stored' }, indexModel }
  const reason =
    embedding.dimensions !== stored.length
      ? `The batch was embedded with ${embedding.modelId} (${embedding.dimensions} dimensions); this index uses ${source} (${stored.length} dimensions).`
      : `The batch's model fingerprint differs from this index's (${embedding.modelId}, cosine ${similarity.toFixed(3)} < ${FINGERPRINT_MIN_COSINE}): a different or silently changed model.`
  if (skew === 'refuse') throw new ServiceError(400, 'invalid-request', `Embedding model mismatch, batch refused: ${reason}`)
  return { decision: { kind: 're-embedded', model, reason }, indexModel }
}
