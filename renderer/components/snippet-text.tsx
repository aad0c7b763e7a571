import { splitSnippet } from '../../shared/search'

/** A search snippet with its matched terms marked. */
export function SnippetText(props: { snippet: string }) {
  return (
    <>
      {splitSnippet(props.snippet).map((part, index) => (part.marked ? <mark key={index}>{part.text}</mark> : <span key={index}>{part.text}</span>))}
    </>
  )
}
