import { describe, expect, it } from 'vitest'
import { prefixesForModel } from '../../../../electron/engine/embedder/model-prefixes'

const BGE = 'Represent this sentence for searching relevant passages: '

describe('prefixesForModel', () => {
  it.each([
    ['Xenova/bge-small-en-v1.5', BGE, ''],
    ['BAAI/bge-base-en', BGE, ''],
    ['/home/me/models/Xenova/bge-large-en-v1.5', BGE, ''],
    ['Xenova/bge-m3', '', ''],
    ['Xenova/e5-small-v2', 'query: ', 'passage: '],
    ['intfloat/multilingual-e5-small', 'query: ', 'passage: '],
    ['C:\\models\\e5-base-v2', 'query: ', 'passage: '],
    ['Xenova/all-MiniLM-L6-v2', '', ''],
    ['test/tiny-lexical-embed', '', ''],
    ['someone/notbge-small-en', '', ''],
  ])('%s', (modelId, queryPrefix, passagePrefix) => {
    expect(prefixesForModel(modelId)).toEqual({ queryPrefix, passagePrefix })
  })
})
