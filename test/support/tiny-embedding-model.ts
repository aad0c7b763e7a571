import { createRequire } from 'node:module'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomBytes } from 'node:crypto'
import { seededRandom } from './seeded-random'

// onnx-proto is CommonJS whose exports static analysis cannot see; require keeps its types and its runtime shape.
const { onnx } = createRequire(import.meta.url)('onnx-proto') as typeof import('onnx-proto')

/** Bump when the generated files change so every cached copy is rebuilt. */
export const TINY_EMBEDDING_MODEL_VERSION = 'tiny-lexical-embed-v2'
export const TINY_EMBEDDING_MODEL_ID = 'test/tiny-lexical-embed'
export const TINY_EMBEDDING_DIMENSIONS = 64
export const TINY_EMBEDDING_MAX_TOKENS = 128

export interface TinyEmbeddingModel {
  /** Folder to use as `modelsDir` (hub layout: <modelsDir>/<org>/<name>/). */
  modelsDir: string
  modelId: string
  modelDir: string
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const defaultModelsDir = join(repoRoot, '.cache', 'test-models')

const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const

// Whole words keep common vocabulary from being split into letter pairs, so that shared words dominate similarity.
const COMMON_WORDS = `
the of and to in is it you that he was for on are with as his they be at one have this from or had by not word but
what some we can out other were all there when up use your how said an each she which do their time if will way about
many then them write would like so these her long make thing see him two has look more day could go come did number
sound no most people my over know water than call first who may down side been now find any new work part take get
place made live where after back little only round man year came show every good me give our under name very through
just form sentence great think say help low line differ turn cause much mean before move right boy old too same tell
does set three want air well also play small end put home read hand port large spell add even land here must big high
such follow act why ask men change went light kind off need house picture try us again animal point mother world near
build self earth father head stand own page should country found answer school grow study still learn plant cover food
sun four between state keep eye never last let thought city tree cross farm hard start might story saw far sea draw
left late run while press close night real life few north open seem together next white children begin got walk example
ease paper group always music those both mark often letter until mile river car feet care second book carry took
science eat room friend began idea fish mountain stop once base hear horse cut sure watch color face wood main enough
plain girl usual young ready above ever red list though feel talk bird soon body dog family direct pose leave song
measure door product black short numeral class wind question happen complete ship area half rock order fire south
problem piece told knew pass since top whole king space heard best hour better true during hundred five remember step
early hold west ground interest reach fast verb sing listen six table travel less morning ten simple several vowel
toward war lay against pattern slow center love person money serve appear road map rain rule govern pull cold notice
voice unit power town fine certain fly fall lead cry dark machine note wait plan figure star box noun field rest
correct able pound done beauty drive stood contain front teach week final gave green quick develop ocean warm free
minute strong special mind behind clear tail produce fact street inch multiply nothing course stay wheel full force
blue object decide surface deep moon island foot system busy test record boat common gold possible plane stead dry
wonder laugh thousand ago ran check game shape equate hot miss brought heat snow tire bring yes distant fill east paint
language among meeting project team release deploy deployment server database bug fix review code design plan
budget report manager client customer sales marketing product feature roadmap sprint standup retro retrospective
launch demo interview hire hiring onboarding training workshop conference talk slides presentation doctor dentist
appointment gym run running swim yoga sleep health diet weight coffee lunch dinner breakfast trip flight hotel
vacation holiday birthday wedding party garden kitchen apartment rent move moving car bike train bus ticket
invoice tax taxes bank account salary bonus payment price cost expense insurance contract lawyer visa passport
email call phone chat message slack calendar schedule deadline goal goals habit journal reflection mood happy sad
tired stressed anxious calm grateful proud angry excited worried today tomorrow yesterday monday tuesday wednesday
thursday friday saturday sunday january february march april june july august september october november december
spring summer autumn winter weekend month quarter backup laptop computer keyboard monitor printer network wifi
router cloud storage disk memory performance latency outage incident alert monitoring logging security password
login user users api endpoint migration schema index search query vector embedding model models llm prompt answer
kubernetes docker cluster container python javascript typescript rust golang java react electron node linux
windows mac apple google amazon microsoft github git commit branch merge pull request issue ticket backlog
estimate priority blocker risk dependency architecture refactor cleanup documentation docs wiki notes note
article blog podcast video movie film series episode novel poem guitar piano concert museum gallery beach forest
hike hiking camping snowboard ski football soccer tennis basketball baseball golf chess cook cooking recipe bread
cake pizza pasta rice soup salad chicken beef pork vegetarian vegan fruit apple banana orange grape lemon tea
wine beer milk cheese egg butter sugar salt pepper oil vinegar honey chocolate cookie
`
  .split(/\s+/)
  .filter((word) => word.length > 0)

// Function words carry little meaning; small vectors keep them from dominating mean pooling, much like IDF weighting.
const STOP_WORDS = new Set(
  `the of and to in is it you that he was for on are with as his they be at one have this from or had by not but what
some we can out other were all there when up use your how said an each she which do their if will way about then them
would so these her him has more could did my than who may been now any me our very just too does also us again such
should still while those both until since a i`
    .split(/\s+/)
    .filter((word) => word.length > 0),
)

const LETTERS = 'abcdefghijklmnopqrstuvwxyz'.split('')
const DIGITS = '0123456789'.split('')
// ASCII punctuation plus the typographic marks editors insert, so real notes do not produce [UNK].
const PUNCTUATION = [...`!"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}~`, ...'‘’“”–—…•·€£°§']

/** The vocabulary in id order: specials, single characters, letter pairs, digit pairs (each also as `##` piece), words. */
export function buildTinyVocabulary(): string[] {
  const vocabulary: string[] = [...SPECIAL_TOKENS]
  const seen = new Set<string>(vocabulary)
  const add = (token: string): void => {
    if (seen.has(token)) return
    seen.add(token)
    vocabulary.push(token)
  }
  for (const character of [...LETTERS, ...DIGITS, ...PUNCTUATION]) add(character)
  for (const character of [...LETTERS, ...DIGITS]) add(`##${character}`)
  for (const first of LETTERS) for (const second of LETTERS) add(first + second)
  for (const first of LETTERS) for (const second of LETTERS) add(`##${first}${second}`)
  for (const first of DIGITS) for (const second of DIGITS) add(first + second)
  for (const first of DIGITS) for (const second of DIGITS) add(`##${first}${second}`)
  for (const word of COMMON_WORDS) add(word)
  return vocabulary
}


function tokenWeight(token: string): number {
  if (token.startsWith('[') && token.endsWith(']') && token.length > 2) return 1e-4
  if (PUNCTUATION.includes(token)) return 0.05
  if (STOP_WORDS.has(token)) return 0.1
  return 1
}

/** One pseudo-random unit vector per token (scaled down for specials, punctuation and function words). */
export function buildTinyEmbeddingTable(vocabulary: string[], dimensions: number, seed = 1234): Float32Array {
  const random = seededRandom(seed)
  const table = new Float32Array(vocabulary.length * dimensions)
  for (let row = 0; row < vocabulary.length; row++) {
    let norm = 0
    for (let column = 0; column < dimensions; column += 2) {
      // Box-Muller: Gaussian components make the directions uniform on the sphere.
      const radius = Math.sqrt(-2 * Math.log(1 - random()))
      const angle = 2 * Math.PI * random()
      const pair = [radius * Math.cos(angle), radius * Math.sin(angle)]
      for (let offset = 0; offset < 2 && column + offset < dimensions; offset++) {
        table[row * dimensions + column + offset] = pair[offset]
        norm += pair[offset] * pair[offset]
      }
    }
    const scale = tokenWeight(vocabulary[row]) / Math.sqrt(norm)
    for (let column = 0; column < dimensions; column++) table[row * dimensions + column] *= scale
  }
  return table
}

function tensorValueInfo(name: string, elemType: number, dims: Array<string | number>) {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((dim) => (typeof dim === 'string' ? { dimParam: dim } : { dimValue: dim })) },
      },
    },
  }
}

/** An ONNX graph whose only node looks every input id up in the embedding table. */
export function buildTinyOnnxModel(table: Float32Array, vocabularySize: number, dimensions: number): Uint8Array {
  const { FLOAT, INT64 } = onnx.TensorProto.DataType
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'notes-rag-tests',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'tiny-lexical-embed',
      node: [{ opType: 'Gather', input: ['table', 'input_ids'], output: ['last_hidden_state'], name: 'lookup', attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] }],
      initializer: [
        {
          name: 'table',
          dataType: FLOAT,
          dims: [vocabularySize, dimensions],
          rawData: new Uint8Array(table.buffer, table.byteOffset, table.byteLength),
        },
      ],
      input: [
        tensorValueInfo('input_ids', INT64, ['batch', 'sequence']),
        tensorValueInfo('attention_mask', INT64, ['batch', 'sequence']),
        tensorValueInfo('token_type_ids', INT64, ['batch', 'sequence']),
      ],
      output: [tensorValueInfo('last_hidden_state', FLOAT, ['batch', 'sequence', dimensions])],
    },
  })
  return onnx.ModelProto.encode(model).finish()
}

/** tokenizer.json in the Hugging Face tokenizers format: BERT normaliser, pre-tokeniser and WordPiece. */
export function buildTinyTokenizerJson(vocabulary: string[]): Record<string, unknown> {
  const id = (token: string): number => vocabulary.indexOf(token)
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((token) => ({
      id: id(token),
      content: token,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [id('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [id('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocabulary.map((token, index) => [token, index])),
    },
  }
}

/** Every file of the model folder, by relative path; another `seed` gives another model of the same shape. */
export function buildTinyEmbeddingModelFiles(seed?: number): Map<string, Uint8Array | string> {
  const vocabulary = buildTinyVocabulary()
  const table = buildTinyEmbeddingTable(vocabulary, TINY_EMBEDDING_DIMENSIONS, seed)
  const files = new Map<string, Uint8Array | string>()
  files.set('onnx/model.onnx', buildTinyOnnxModel(table, vocabulary.length, TINY_EMBEDDING_DIMENSIONS))
  files.set(
    'config.json',
    JSON.stringify(
      {
        model_type: 'bert',
        architectures: ['BertModel'],
        hidden_size: TINY_EMBEDDING_DIMENSIONS,
        vocab_size: vocabulary.length,
        max_position_embeddings: TINY_EMBEDDING_MAX_TOKENS,
        num_attention_heads: 1,
        num_hidden_layers: 1,
        pad_token_id: 0,
      },
      null,
      2,
    ),
  )
  files.set('tokenizer.json', JSON.stringify(buildTinyTokenizerJson(vocabulary)))
  files.set(
    'tokenizer_config.json',
    JSON.stringify(
      {
        tokenizer_class: 'BertTokenizer',
        do_lower_case: true,
        model_max_length: TINY_EMBEDDING_MAX_TOKENS,
        cls_token: '[CLS]',
        sep_token: '[SEP]',
        pad_token: '[PAD]',
        unk_token: '[UNK]',
        mask_token: '[MASK]',
        clean_up_tokenization_spaces: true,
      },
      null,
      2,
    ),
  )
  return files
}

/** Writes the model's files into `folder` (created if needed). */
export async function writeTinyEmbeddingModel(folder: string, seed?: number): Promise<void> {
  for (const [relativePath, content] of buildTinyEmbeddingModelFiles(seed)) {
    const target = join(folder, relativePath)
    await mkdir(dirname(target), { recursive: true })
    await writeFile(target, content)
  }
}

async function readVersion(modelDir: string): Promise<string | null> {
  try {
    return (await readFile(join(modelDir, 'VERSION'), 'utf8')).trim()
  } catch {
    return null
  }
}

/**
 * Writes the tiny lexical embedding model once into `<repo>/.cache/test-models/<modelId>/`.
 * Concurrent callers (parallel test processes) each build in a private folder and rename it into place.
 */
export async function ensureTinyEmbeddingModel(modelsDir = defaultModelsDir): Promise<TinyEmbeddingModel> {
  const modelId = TINY_EMBEDDING_MODEL_ID
  const modelDir = join(modelsDir, modelId)
  const result = { modelsDir, modelId, modelDir }
  if ((await readVersion(modelDir)) === TINY_EMBEDDING_MODEL_VERSION) return result

  const staging = `${modelDir}.staging-${process.pid}-${randomBytes(4).toString('hex')}`
  try {
    await writeTinyEmbeddingModel(staging)
    // The version file goes last: its presence means the folder is complete.
    await writeFile(join(staging, 'VERSION'), TINY_EMBEDDING_MODEL_VERSION)
    for (let attempt = 0; attempt < 5; attempt++) {
      if ((await readVersion(modelDir)) === TINY_EMBEDDING_MODEL_VERSION) return result
      try {
        await rename(staging, modelDir)
        return result
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error
        // An outdated copy is in the way; move it aside first so no reader ever sees a half-deleted folder.
        if ((await readVersion(modelDir)) !== TINY_EMBEDDING_MODEL_VERSION) {
          const outdated = `${modelDir}.outdated-${process.pid}-${randomBytes(4).toString('hex')}`
          await rename(modelDir, outdated).catch(() => undefined)
          await rm(outdated, { recursive: true, force: true })
        }
      }
    }
    if ((await readVersion(modelDir)) === TINY_EMBEDDING_MODEL_VERSION) return result
    throw new Error(`Could not install the tiny embedding model at ${modelDir}`)
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
}
