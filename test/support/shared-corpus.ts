import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

/** Where the provided real corpora live: `../shared/corpora` beside the repository (overridable for odd checkouts). */
export const SHARED_CORPORA_DIR = process.env.NOTES_RAG_CORPORA_DIR ?? path.resolve(repositoryRoot, '..', 'shared', 'corpora')

/**
 * A real corpus from `../shared/corpora/<name>`, or why it is missing. In CI a missing corpus is an error (the tests
 * must not pass by skipping); elsewhere the caller skips with the printed reason.
 */
export function sharedCorpus(name: string): { dir: string; missing: null } | { dir: null; missing: string } {
  const dir = path.join(SHARED_CORPORA_DIR, name)
  if (existsSync(dir)) return { dir, missing: null }
  const reason = `${dir} is missing (the shared corpora sit beside the repository as ../shared/corpora)`
  if (process.env.CI) throw new Error(`CI needs the shared corpus: ${reason}`)
  return { dir: null, missing: reason }
}
