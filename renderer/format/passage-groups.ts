import { formatPeriod } from './answer-label'
import { decodeEntities } from './markdown'

/** What the renderer reads of a passage (a search hit or a citation). `title` comes from newer engines; see noteTitle. */
export interface PassageLike {
  path: string
  headingPath: string[]
  startLine: number
  endLine: number
  periodStart: string
  periodEnd: string
  /** The note's title (front matter or first heading), when the engine provides it. */
  title?: string | null
}

/** A heading that is template syntax, not text ("{{ title }}"), or empty. */
function isPlaceholder(heading: string): boolean {
  return heading.trim() === '' || /^\s*(\{\{.*\}\}|\{%.*%\})\s*$/.test(heading)
}

/** The file name without folders or extension: "weeknotes-076". */
export function fileStem(path: string): string {
  const name = path.split('/').pop() ?? path
  return name.replace(/\.(md|markdown|mdown|txt)$/i, '')
}

/** The note's title: the engine's `title` when given, else the file name (a heading's level is not known here). */
export function noteTitle(passage: PassageLike): string {
  const given = passage.title?.trim()
  if (given && !isPlaceholder(given)) return decodeEntities(given)
  return fileStem(passage.path)
}

/**
 * The engine's machine label of the note's period, which it puts first in every heading path ("2024-W29",
 * "2025-05-28..2025-06-01", "2024-07", "2024-07-15"): the week is shown in people's form above the rows instead.
 */
const PERIOD_LABEL = /^\d{4}-(W\d{2}|\d{2}(-\d{2})?(\.\.\d{4}-\d{2}-\d{2})?)$/

/** The headings above the passage, without the period label, the note's title (shown once already) and placeholders. */
export function headingTrail(passage: PassageLike): string[] {
  const title = noteTitle(passage)
  return passage.headingPath
    .filter((heading, index) => !isPlaceholder(heading) && !(index === 0 && PERIOD_LABEL.test(heading.trim())))
    .map((heading) => decodeEntities(heading.trim()))
    .filter((heading, index) => !(index === 0 && heading === title))
}

/** "Title › Heading › Sub": the one row format of search hits and sources. */
export function titleLine(passage: PassageLike): string {
  return [noteTitle(passage), ...headingTrail(passage)].join(' › ')
}

export interface WeekGroup<T> {
  start: string
  end: string
  /** "1–7 Mar 2020". */
  label: string
  items: T[]
}

/** How a question wants its passages ordered: "first"/"earliest" oldest first, "last"/"latest" newest first. */
export type DateOrder = 'oldest-first' | 'newest-first'

export function dateOrderOf(question: string): DateOrder | null {
  const text = question.toLowerCase()
  if (/\b(first|earliest|initially|began|begin|start(ed)?)\b/.test(text)) return 'oldest-first'
  if (/\b(last|latest|most recent(ly)?|recently)\b/.test(text) && !/\blast (week|month|year|quarter|\d+)\b/.test(text)) return 'newest-first'
  return null
}

/**
 * Groups passages by the period of their note, so a week is shown once with its passages together. Groups keep
 * the order of their best passage (relevance), or go by date when asked.
 */
export function groupByWeek<T extends PassageLike>(items: readonly T[], order: DateOrder | 'by-date' | null): Array<WeekGroup<T>> {
  const groups = new Map<string, WeekGroup<T>>()
  for (const item of items) {
    const key = `${item.periodStart}..${item.periodEnd}`
    let group = groups.get(key)
    if (!group) {
      group = { start: item.periodStart, end: item.periodEnd, label: formatPeriod(item.periodStart, item.periodEnd), items: [] }
      groups.set(key, group)
    }
    group.items.push(item)
  }
  const list = [...groups.values()]
  for (const group of list) group.items.sort((a, b) => a.path.localeCompare(b.path) || a.startLine - b.startLine)
  if (order === 'oldest-first' || order === 'by-date') list.sort((a, b) => a.start.localeCompare(b.start) || a.end.localeCompare(b.end))
  else if (order === 'newest-first') list.sort((a, b) => b.start.localeCompare(a.start) || b.end.localeCompare(a.end))
  return list
}

export interface SourceNote<T> {
  path: string
  title: string
  label: string
  periodStart: string
  periodEnd: string
  /** The passages of this note, in number order. */
  items: T[]
}

/** One entry per note for an answer's Sources list: the same note cited five times is listed once. */
export function sourceNotes<T extends PassageLike & { n: number }>(items: readonly T[]): Array<SourceNote<T>> {
  const notes = new Map<string, SourceNote<T>>()
  for (const item of [...items].sort((a, b) => a.n - b.n)) {
    let note = notes.get(item.path)
    if (!note) {
      note = { path: item.path, title: noteTitle(item), label: formatPeriod(item.periodStart, item.periodEnd), periodStart: item.periodStart, periodEnd: item.periodEnd, items: [] }
      notes.set(item.path, note)
    }
    note.items.push(item)
  }
  return [...notes.values()]
}

/**
 * Reorders hits so the hits of one week sit together, the weeks in the order of their best hit and each week's
 * hits in rank order: a list grouped by week that still reads best first, with one selection order for the keys.
 */
export function adjacentByWeek<T extends PassageLike>(hits: readonly T[]): T[] {
  const weeks = new Map<string, T[]>()
  for (const hit of hits) {
    const key = `${hit.periodStart}..${hit.periodEnd}`
    const list = weeks.get(key)
    if (list) list.push(hit)
    else weeks.set(key, [hit])
  }
  return [...weeks.values()].flat()
}
