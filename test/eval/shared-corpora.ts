import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** The provided real corpora: `../shared/corpora` beside the checkout (as in CI), or NOTES_RAG_SHARED_CORPORA. */
export const SHARED_CORPORA_DIR = process.env.NOTES_RAG_SHARED_CORPORA ?? join(repoRoot, '..', 'shared', 'corpora')
export const QUESTIONS_DIR = join(repoRoot, 'test', 'eval', 'questions')

export interface SharedCorpus {
  name: string
  dir: string
  /** `test/eval/questions/<name>.json`, or null when nobody wrote questions for it yet. */
  questionsFile: string | null
}

/** Every corpus folder in the shared corpora, with its question file; null when the folder is absent. */
export function listSharedCorpora(dir = SHARED_CORPORA_DIR): SharedCorpus[] | null {
  if (!existsSync(dir)) return null
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory())
    .sort()
    .map((name) => {
      const questionsFile = join(QUESTIONS_DIR, `${name}.json`)
      return { name, dir: join(dir, name), questionsFile: existsSync(questionsFile) ? questionsFile : null }
    })
}
