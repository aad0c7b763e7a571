import { AutoTokenizer } from '@huggingface/transformers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEmbedder } from '../../../../electron/engine/embedder/create-embedder'
import type { Embedder } from '../../../../electron/engine/embedder/types'
import { ensureTinyEmbeddingModel } from '../../../support/tiny-embedding-model'

let embedder: Embedder
let reference: Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>

beforeAll(async () => {
  const model = await ensureTinyEmbeddingModel()
  embedder = await createEmbedder({ model: model.modelDir, modelsDir: model.modelsDir, allowDownload: false, remoteHost: 'http://127.0.0.1:9/' })
  await embedder.prepareTokenizer()
  reference = await AutoTokenizer.from_pretrained(model.modelDir, { local_files_only: true })
})
afterAll(() => embedder?.dispose())

const samples = [
  '# 2023-W14\n\n## Done\n\n- Shipped the search feature to beta users\n- Paired with Priya on the Postgres migration (v15)',
  '| week | item |\n| --- | --- |\n| W14 | CSV export |\n\n```ts\nconst x = await search("kubernetes")\n```',
  'Line with trailing spaces   \n\tTabbed line\n\n\n— em dash, café, naïve; 2024-03-11T10:00Z\nURL https://example.com/a?b=c&d=e',
  'single line without newline',
  '\n\nleading and trailing newlines\n\n',
  '',
]

describe('Embedder.countTokens (line-cached)', () => {
  it.each(samples.map((sample) => [JSON.stringify(sample.slice(0, 30)), sample]))('%s counts exactly as the tokenizer does', (_label, text) => {
    const direct = reference.encode(text, { add_special_tokens: false }).length
    expect(embedder.countTokens(text)).toBe(direct)
    // Again, now from the cache.
    expect(embedder.countTokens(text)).toBe(direct)
  })

  it('stays exact over many generated multi-line texts', () => {
    const words = ['search', 'Postgres', 'migration', 'k8s', 'v1.2', 'café', 'CSV-export', '(beta)', 'W14', 'résumé!', '—', '42']
    let seed = 7
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
    for (let i = 0; i < 200; i++) {
      const lines = Array.from({ length: 1 + Math.floor(next() * 6) }, () => Array.from({ length: Math.floor(next() * 9) }, () => words[Math.floor(next() * words.length)]).join(next() < 0.2 ? '  ' : ' '))
      const text = lines.join('\n')
      expect(embedder.countTokens(text)).toBe(reference.encode(text, { add_special_tokens: false }).length)
    }
  })
})
