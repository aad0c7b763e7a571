// Front matter often holds what a note is about in words the body never repeats: a title, a description written for
// the site's index page, tags. They are gathered into one field text that every chunk of the note is keyword-indexed
// with (boosted), so a word that is only in the description still finds the note.

import { stripTemplateText } from './template-directives'

const TITLE_KEYS = ['title']
const DESCRIPTION_KEYS = ['description', 'summary', 'meta_description', 'subtitle', 'excerpt', 'abstract']
const TAG_KEYS = ['tags', 'tag', 'keywords', 'categories', 'category']
// Field text beyond this is not worth repeating on every chunk of the note.
const MAX_FIELD_CHARS = 2000

export interface NoteFields {
  /** The note's title for display: front-matter `title`, else the title heading; null when neither says anything. */
  title: string | null
  /** Title, descriptions and tags, one per line. */
  text: string
}

export function noteFields(frontMatter: Record<string, unknown> | null, titleHeading: string | null): NoteFields {
  const title = textOf(fieldValue(frontMatter, TITLE_KEYS)) ?? (titleHeading ? stripTemplateText(titleHeading) || null : null)
  const parts: string[] = []
  if (title) parts.push(title)
  for (const key of DESCRIPTION_KEYS) {
    const text = textOf(fieldValue(frontMatter, [key]))
    if (text && !parts.includes(text)) parts.push(text)
  }
  const tags = tagsOf(fieldValue(frontMatter, TAG_KEYS))
  if (tags.length > 0) parts.push(tags.join(' '))
  const text = parts.join('\n')
  return { title, text: text.length > MAX_FIELD_CHARS ? text.slice(0, MAX_FIELD_CHARS) : text }
}

function fieldValue(frontMatter: Record<string, unknown> | null, keys: string[]): unknown {
  if (!frontMatter) return undefined
  const values: unknown[] = []
  for (const [name, value] of Object.entries(frontMatter)) {
    if (keys.includes(name.toLowerCase())) values.push(value)
  }
  if (values.length <= 1) return values[0]
  return values.flat()
}

function textOf(value: unknown): string | null {
  if (typeof value === 'number') return String(value)
  if (typeof value !== 'string') return null
  // Descriptions in site front matter may be HTML ("<a href=...>") or hold template syntax.
  const text = stripTemplateText(value.replace(/<[^>]*>/g, ' '))
  return text === '' ? null : text
}

/** Tags as a YAML list, a comma/space separated string, or Obsidian-style "#tag" words. */
function tagsOf(value: unknown): string[] {
  const items = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]
  const tags: string[] = []
  for (const item of items) {
    if (typeof item !== 'string' && typeof item !== 'number') continue
    for (const tag of String(item).split(/[,\s]+/)) {
      const cleaned = tag.replace(/^#/, '').trim()
      if (cleaned !== '' && !tags.includes(cleaned)) tags.push(cleaned)
    }
  }
  return tags
}
