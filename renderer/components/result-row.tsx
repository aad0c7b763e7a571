import { memo } from 'react'
import type { SearchHit } from '../../shared/search'
import { SnippetText } from './snippet-text'
import { titleLine } from '../format/passage-groups'

export interface ResultRowProps {
  hit: SearchHit
  index: number
  /** Element ids are `${idPrefix}-${index}`, for the list's aria-activedescendant. */
  idPrefix: string
  selected: boolean
  onHover(index: number): void
  onOpen(hit: SearchHit): void
}

/**
 * One search hit (quick-search window and the chat's Ctrl/Cmd+K search): "Title › heading" and the snippet; the week
 * is the group heading above it (see SearchResults), never repeated per row. Each response is fresh JSON, so rows
 * compare what they show: while typing, a passage that stays in the list with the same snippet is not rendered again.
 */
export const ResultRow = memo(function ResultRow(props: ResultRowProps) {
  const { hit, index, idPrefix, selected, onHover, onOpen } = props
  return (
    <li
      id={`${idPrefix}-${index}`}
      role="option"
      aria-selected={selected}
      className={`search-hit${selected ? ' is-selected' : ''}`}
      onMouseMove={() => !selected && onHover(index)}
      onClick={() => onOpen(hit)}
    >
      <div className="hit-top">
        <span className="hit-heading">{titleLine(hit)}</span>
      </div>
      <div className="hit-snippet">
        <SnippetText snippet={hit.snippet} />
      </div>
    </li>
  )
}, sameResultRow)

/** Whether a row would show the same thing: the memo comparison of `ResultRow`. */
export function sameResultRow(before: ResultRowProps, after: ResultRowProps): boolean {
  const a = before.hit
  const b = after.hit
  return (
    before.index === after.index &&
    before.idPrefix === after.idPrefix &&
    before.selected === after.selected &&
    before.onHover === after.onHover &&
    before.onOpen === after.onOpen &&
    (a === b ||
      (a.chunkId === b.chunkId &&
        a.snippet === b.snippet &&
        a.path === b.path &&
        a.startLine === b.startLine &&
        a.periodStart === b.periodStart &&
        a.periodEnd === b.periodEnd &&
        (a as { title?: string | null }).title === (b as { title?: string | null }).title &&
        a.headingPath.join('\n') === b.headingPath.join('\n')))
  )
}
