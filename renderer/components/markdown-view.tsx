import { memo, useMemo, type ReactNode } from 'react'
import { splitHighlights } from '../format/highlight'
import { parseMarkdown, type Block, type Inline } from '../format/markdown'

/** A passage of a note as readable text: rendered markdown with the question's words highlighted. */
export const MarkdownView = memo(function MarkdownView(props: { text: string; terms: readonly string[]; className?: string }) {
  const blocks = useMemo(() => parseMarkdown(props.text), [props.text])
  return <div className={`markdown${props.className ? ` ${props.className}` : ''}`}>{renderBlocks(blocks, props.terms)}</div>
})

function renderBlocks(blocks: Block[], terms: readonly string[]): ReactNode[] {
  return blocks.map((block, index) => {
    switch (block.type) {
      case 'paragraph':
        return <p key={index}>{renderInline(block.children, terms)}</p>
      case 'heading': {
        // Passages sit inside an answer: their headings are small, never page-level.
        const Tag = block.level <= 2 ? 'h4' : 'h5'
        return <Tag key={index}>{renderInline(block.children, terms)}</Tag>
      }
      case 'list': {
        const Tag = block.ordered ? 'ol' : 'ul'
        return (
          <Tag key={index}>
            {block.items.map((item, itemIndex) => (
              <li key={itemIndex}>{renderBlocks(item, terms)}</li>
            ))}
          </Tag>
        )
      }
      case 'quote':
        return <blockquote key={index}>{renderBlocks(block.children, terms)}</blockquote>
      case 'code':
        return (
          <pre key={index}>
            <code>{block.text}</code>
          </pre>
        )
    }
  })
}

function renderInline(parts: Inline[], terms: readonly string[]): ReactNode[] {
  return parts.map((part, index) => {
    switch (part.type) {
      case 'text':
        return <Highlighted key={index} text={part.text} terms={terms} />
      case 'code':
        return <code key={index}>{part.text}</code>
      case 'strong':
        return <strong key={index}>{renderInline(part.children, terms)}</strong>
      case 'em':
        return <em key={index}>{renderInline(part.children, terms)}</em>
      case 'link':
        return (
          <a key={index} href={part.href} target="_blank" rel="noreferrer noopener" title={part.href}>
            {renderInline(part.children, terms)}
          </a>
        )
    }
  })
}

/** Plain text with the question's words in <mark>. */
export function Highlighted(props: { text: string; terms: readonly string[] }) {
  return (
    <>
      {splitHighlights(props.text, props.terms).map((part, index) => (part.marked ? <mark key={index}>{part.text}</mark> : part.text))}
    </>
  )
}
