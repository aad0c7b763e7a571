import { splitSnippet } from '../../shared/search'
import { decodeEntities } from '../format/markdown'

/** A search snippet with its matched terms marked. */
export function SnippetText(props: { snippet: string }) {
  return (
    <>
      {splitSnippet(props.snippet).map((part, index) => (part.marked ? <mark key={index}>{decodeEntities(part.text)}</mark> : <span key={index}>{decodeEntities(part.text)}</span>))}
    </>
  )
}
