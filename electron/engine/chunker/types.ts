import type { NotePeriod, PeriodSource, WeekDateMeans } from '../../../shared/period'

export interface ChunkerOptions {
  /** Token count as the embedding model's tokenizer sees it. */
  countTokens: (text: string) => number
  /** Budget for one chunk's embedded text (heading context included); never above the model's max. */
  maxTokens: number
  /** Tokens of the previous piece repeated at the start of the next when a long section is split. */
  overlapTokens: number
  /** What the one date of a weekly note stands for (the `indexing.weekDateMeans` setting); default ISO week. */
  weekDateMeans?: WeekDateMeans
}

/** One piece of a note, ready to embed and to cite. */
export interface ChunkDraft {
  /** Stable: the same path, position and text give the same id on every run. */
  id: string
  /** 0-based position in the note. */
  ordinal: number
  /** Note label first (the period label, e.g. "2023-W14"), then the headings: ["2023-W14", "Done", "Infra"]. */
  headingPath: string[]
  /** 1-based, inclusive, in the original file (front matter counted). */
  startLine: number
  endLine: number
  /** The chunk's markdown as written in the note (lines startLine..endLine; a piece of a split section may start
   * with only the end of its first line, the overlap repeated from a long line). */
  text: string
  /** What is embedded and keyword-indexed: heading path and week, then the text. */
  embedText: string
  /** sha256 (hex) of embedText: chunks with the same hash share one vector. */
  contentHash: string
  /**
   * The days this chunk's section covers: its own dated heading's, inherited, or the note's. The chunker always
   * sets these; a draft without them (hand-built in tests) takes the file's period when stored.
   */
  periodStart?: string
  periodEnd?: string
  /** Where that period came from ('heading', 'front-matter:week_ending', 'file-name', 'title', 'mtime', ...). */
  periodSource?: PeriodSource
  /** True when the period is only the file's mtime ("date guessed from file time"). */
  periodInferred?: boolean
  /** The note's title (front-matter `title`, else its title heading), shown on hits; null when it has none. */
  title?: string | null
  /** Front-matter title, description and tags as one text, keyword-indexed as a boosted field of every chunk. */
  fields?: string
}

/** A parsed note: its period (from front matter, file name, heading or mtime), front matter and chunks. */
export interface ParsedNote {
  /** The whole note's period; sections with dated headings carry their own on their chunks. */
  period: NotePeriod
  /** The period label used as the first heading-path element ("2023-W14", "2023-04-03", "2023-04-03..2023-04-09"). */
  label: string
  frontMatter: Record<string, unknown> | null
  /** Set when front matter was present but not valid YAML (the note is still indexed, body only). */
  frontMatterError: string | null
  title: string | null
  /** What the note's chunks index as their field text (title, description, tags). */
  fields: string
  chunks: ChunkDraft[]
}

export interface NoteInput {
  /** Relative to the watched folder, forward slashes. */
  relativePath: string
  text: string
  mtimeMs: number
}
