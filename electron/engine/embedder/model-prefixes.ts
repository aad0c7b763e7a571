/** The instruction prefixes a model was trained with; embedding without them measurably hurts retrieval. */
export interface ModelPrefixes {
  queryPrefix: string
  passagePrefix: string
}

const BGE_QUERY_PREFIX = 'Represent this sentence for searching relevant passages: '

/** Prefixes by model id or folder name: bge English models, e5 models, and none for MiniLM and the rest. */
export function prefixesForModel(modelId: string): ModelPrefixes {
  const name = modelId.toLowerCase().split(/[\\/]/).pop() ?? ''
  if (/^bge-.*-en/.test(name)) return { queryPrefix: BGE_QUERY_PREFIX, passagePrefix: '' }
  if (/^(multilingual-)?e5-/.test(name)) return { queryPrefix: 'query: ', passagePrefix: 'passage: ' }
  return { queryPrefix: '', passagePrefix: '' }
}
