import { readFileSync, statSync } from 'node:fs'
import { isAbsolute, join, normalize } from 'node:path'
import { z } from 'zod'

/**
 * The question-file format for `npm run eval -- --corpus DIR --questions FILE` (JSON, one file per corpus, in
 * `test/eval/questions/`). Paths are relative to the corpus folder, with forward slashes, exactly as search hits
 * report them. Every expected passage can carry `evidence`: text that must appear in those lines, so a question
 * whose file or line numbers drift from the corpus fails loudly at load time instead of scoring nonsense.
 */
export const QUESTION_KINDS = [
  'day',
  'week',
  'month',
  'first-mention',
  'last-mention',
  'person',
  'project',
  'keyword',
  'paraphrase',
] as const
export type QuestionKind = (typeof QUESTION_KINDS)[number]

/** Kinds that ask about a period: they must carry `period`, and every hit must fall inside it. */
export const TIME_SCOPED_KINDS: readonly QuestionKind[] = ['day', 'week', 'month']

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'an ISO date, YYYY-MM-DD')
const period = z.object({ start: isoDate, end: isoDate }).refine((value) => value.start <= value.end, 'period.start must not be after period.end')

const expectedPassage = z.object({
  /** Relative to the corpus folder. */
  file: z.string().min(1),
  /** 1-based inclusive line range where the answer is; a hit counts only if it overlaps it. Omit for "anywhere in the file". */
  lines: z.tuple([z.number().int().positive(), z.number().int().positive()]).optional(),
  /** Text that must occur (case-insensitive, whitespace-collapsed) in `lines`, or in the file when `lines` is absent. */
  evidence: z.string().min(1).optional(),
})

const question = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'kebab-case'),
    kind: z.enum(QUESTION_KINDS),
    query: z.string().min(1),
    /** "Today" for relative phrases; defaults to the file's `today`. */
    today: isoDate.optional(),
    /** `all` (default): recall is found / min(5, expected); `any`: one of them is the answer (duplicates, translations). */
    match: z.enum(['all', 'any']).default('all'),
    expected: z.array(expectedPassage).min(1),
    /** The period the question asks about (time-scoped kinds). */
    period: period.optional(),
    /** Why this question is here or what it depends on, for whoever reads a failure. */
    note: z.string().optional(),
  })
  .superRefine((value, context) => {
    if (TIME_SCOPED_KINDS.includes(value.kind) && !value.period) context.addIssue({ code: 'custom', message: `a ${value.kind} question needs a period` })
  })

export const questionFileSchema = z.object({
  /** The corpus folder name under ../shared/corpora (informative). */
  corpus: z.string().min(1),
  /** Default "today" for the questions. */
  today: isoDate,
  questions: z.array(question).min(1),
})

export type QuestionFile = z.infer<typeof questionFileSchema>
export type CorpusQuestion = QuestionFile['questions'][number] & { today: string }
export type ExpectedPassage = z.infer<typeof expectedPassage>

/** A question file that does not parse or does not match its corpus. */
export class QuestionFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`)
    this.name = 'QuestionFileError'
  }
}

/** Reads and validates a question file; with `corpusDir`, also checks every expected file, line range and evidence. */
export function loadQuestionFile(path: string, corpusDir?: string): { corpus: string; today: string; questions: CorpusQuestion[] } {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new QuestionFileError(path, [`not readable JSON: ${(error as Error).message}`])
  }
  const parsed = questionFileSchema.safeParse(raw)
  if (!parsed.success) {
    throw new QuestionFileError(path, parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`))
  }
  const file = parsed.data
  const problems: string[] = []
  const ids = new Set<string>()
  for (const item of file.questions) {
    if (ids.has(item.id)) problems.push(`${item.id}: duplicate id`)
    ids.add(item.id)
  }
  if (corpusDir) {
    const cache = new Map<string, string[] | null>()
    const linesOf = (relative: string) => {
      if (!cache.has(relative)) {
        const absolute = join(corpusDir, relative)
        try {
          cache.set(relative, statSync(absolute).isFile() ? readFileSync(absolute, 'utf8').split(/\r?\n/) : null)
        } catch {
          cache.set(relative, null)
        }
      }
      return cache.get(relative)!
    }
    for (const item of file.questions) {
      for (const passage of item.expected) {
        const where = `${item.id}: ${passage.file}`
        if (isAbsolute(passage.file) || normalize(passage.file).startsWith('..')) {
          problems.push(`${where}: must be relative to the corpus folder`)
          continue
        }
        const lines = linesOf(passage.file)
        if (!lines) {
          problems.push(`${where}: no such file in ${corpusDir}`)
          continue
        }
        const [from, to] = passage.lines ?? [1, lines.length]
        if (from > to || to > lines.length) {
          problems.push(`${where}: lines ${from}-${to} outside the file's ${lines.length} lines`)
          continue
        }
        if (passage.evidence) {
          const squash = (text: string) => text.toLowerCase().replace(/\s+/g, ' ')
          if (!squash(lines.slice(from - 1, to).join(' ')).includes(squash(passage.evidence))) {
            problems.push(`${where}: "${passage.evidence}" is not in lines ${from}-${to}`)
          }
        }
      }
    }
  }
  if (problems.length > 0) throw new QuestionFileError(path, problems)
  return { corpus: file.corpus, today: file.today, questions: file.questions.map((item) => ({ ...item, today: item.today ?? file.today })) }
}
