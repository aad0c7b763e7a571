import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AutoTokenizer, env, pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers'
import {
  TINY_EMBEDDING_DIMENSIONS,
  TINY_EMBEDDING_MODEL_VERSION,
  buildTinyEmbeddingModelFiles,
  ensureTinyEmbeddingModel,
} from '../../../support/tiny-embedding-model'

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0
  let normA = 0
  let normB = 0
  for (let index = 0; index < a.length; index++) {
    dot += a[index] * b[index]
    normA += a[index] * a[index]
    normB += b[index] * b[index]
  }
  return dot / Math.sqrt(normA * normB)
}

describe('tiny embedding model generator', () => {
  let scratch: string
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'tiny-model-'))
  })
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true })
  })

  it('installs one complete copy when several callers race, leaving no staging folders', async () => {
    const results = await Promise.all([1, 2, 3, 4].map(() => ensureTinyEmbeddingModel(scratch)))
    expect(new Set(results.map((result) => result.modelDir)).size).toBe(1)
    const { modelDir, modelId } = results[0]
    expect(modelDir).toBe(join(scratch, modelId))
    expect(await readFile(join(modelDir, 'VERSION'), 'utf8')).toBe(TINY_EMBEDDING_MODEL_VERSION)
    for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']) {
      expect((await stat(join(modelDir, file))).size).toBeGreaterThan(0)
    }
    const siblings = await readdir(join(scratch, modelId, '..'))
    expect(siblings).toEqual([modelId.split('/')[1]])
  })

  it('is deterministic and small', () => {
    const first = buildTinyEmbeddingModelFiles()
    const second = buildTinyEmbeddingModelFiles()
    const onnxBytes = first.get('onnx/model.onnx') as Uint8Array
    expect(Buffer.from(onnxBytes).equals(Buffer.from(second.get('onnx/model.onnx') as Uint8Array))).toBe(true)
    expect(first.get('tokenizer.json')).toBe(second.get('tokenizer.json'))
    expect(onnxBytes.byteLength).toBeLessThan(3 * 1024 * 1024)
  })

  describe('through the real Transformers.js pipeline', () => {
    let extractor: FeatureExtractionPipeline
    let modelId: string
    beforeAll(async () => {
      const model = await ensureTinyEmbeddingModel()
      modelId = model.modelId
      env.allowRemoteModels = false
      env.localModelPath = model.modelsDir
      extractor = (await pipeline('feature-extraction', model.modelId, { dtype: 'fp32' })) as FeatureExtractionPipeline
    })
    afterAll(async () => {
      await extractor?.dispose()
    })

    const embed = async (texts: string[]): Promise<number[][]> =>
      (await extractor(texts, { pooling: 'mean', normalize: true })).tolist() as number[][]

    it('splits any English text into known pieces, lowercased, never [UNK]', async () => {
      const tokenizer = await AutoTokenizer.from_pretrained(modelId)
      const tokens = tokenizer.tokenize('Kubernetes migration on 2023-W14: Zephyr’s quarterly OKRs!')
      expect(tokens).not.toContain('[UNK]')
      expect(tokens.slice(0, 2)).toEqual(['kubernetes', 'migration'])
      expect(tokenizer.tokenize('Meetings')).toEqual(['meeting', '##s'])
      expect(tokenizer.tokenize('Überraschung café')).not.toContain('[UNK]')
    })

    it('returns unit vectors of the declared size', async () => {
      const [vector] = await embed(['weekly planning notes'])
      expect(vector).toHaveLength(TINY_EMBEDDING_DIMENSIONS)
      expect(Math.hypot(...vector)).toBeCloseTo(1, 5)
    })

    it.each([
      ['Team meeting about the database migration plan', 'We planned the database migration in the team meeting', 'Baked a chocolate cake for my birthday party'],
      ['Dentist appointment on Tuesday morning', 'Tuesday: went to the dentist appointment', 'Kubernetes cluster outage and incident review'],
      ['Hiking in the forest with friends this weekend', 'weekend forest hike with friends', 'Quarterly budget report for the sales manager'],
      ['Zephyrine rollout stalled', 'the zephyrine rollout is stalled again', 'lunch with grandma'],
    ])('%s: related text is closer than unrelated text', async (anchor, related, unrelated) => {
      const [a, r, u] = await embed([anchor, related, unrelated])
      expect(cosine(a, r)).toBeGreaterThan(cosine(a, u) + 0.3)
    })
  })
})
