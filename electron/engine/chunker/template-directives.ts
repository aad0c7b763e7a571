// Static-site and notes tools leave template syntax in the markdown people keep as their log: Nunjucks/Jinja/Liquid
// (`{{ comp.anchor({ ref: 'jrf' }) | safe }}`, `{% include "x" %}`, `{# note #}`), Hugo shortcodes (`{{< x >}}`),
// Logseq embeds (`{{embed ((uuid))}}`) and HTML comments. Rendered, they are markup or nothing; indexed, they fill
// snippets and match words like "safe". They are blanked out here, line count kept, so every line number still
// points at the original file.

const FENCE = /^ {0,3}(`{3,}|~{3,})/
// A directive longer than this is not one (a stray "{{" in prose must not swallow the rest of the note).
const MAX_DIRECTIVE_CHARS = 2000
const SPANS = new RegExp(
  [
    // Inline code is kept as written: `{{ x }}` there is someone showing the syntax.
    '(`+)[^`\\n]*?\\1',
    '<!--[\\s\\S]*?-->',
    // Liquid/Jinja comment and raw blocks: a comment goes with its content; raw keeps its content, not its tags.
    '\\{%-?\\s*comment\\s*-?%\\}[\\s\\S]*?\\{%-?\\s*endcomment\\s*-?%\\}',
    `\\{\\{[\\s\\S]{0,${MAX_DIRECTIVE_CHARS}}?\\}\\}`,
    `\\{%[\\s\\S]{0,${MAX_DIRECTIVE_CHARS}}?%\\}`,
    `\\{#[\\s\\S]{0,${MAX_DIRECTIVE_CHARS}}?#\\}`,
  ].join('|'),
  'g',
)

/**
 * The lines with template directives and HTML comments removed, outside fenced code (which shows code as it is).
 * Always returns as many lines as it was given; a line that held only a directive becomes empty.
 */
export function stripTemplateDirectives(lines: readonly string[], from = 0): string[] {
  const out = lines.slice()
  let segmentStart = from
  let fence: { marker: string; length: number } | null = null
  for (let index = from; index <= lines.length; index++) {
    const line = index < lines.length ? lines[index] : null
    const match = line === null ? null : FENCE.exec(line)
    if (fence) {
      if (match && match[1][0] === fence.marker && match[1].length >= fence.length && line!.trim() === match[1].trim()) {
        fence = null
        segmentStart = index + 1
      }
      continue
    }
    if (line === null || match) {
      stripSegment(out, segmentStart, index)
      if (match) fence = { marker: match[1][0], length: match[1].length }
    }
  }
  return out
}

function stripSegment(lines: string[], start: number, end: number): void {
  if (end <= start) return
  const text = lines.slice(start, end).join('\n')
  if (!/\{[{%#]|<!--/.test(text)) return
  const stripped = text.replace(SPANS, (span: string) => (span.startsWith('`') ? span : span.replace(/[^\n]/g, '')))
  const result = stripped.split('\n')
  for (let offset = 0; offset < result.length; offset++) {
    const original = lines[start + offset]
    const line = result[offset]
    // Only lines that changed are tidied: a line that is now blank must read as blank to the block scanner.
    lines[start + offset] = line === original ? line : line.trim() === '' ? '' : line.replace(/[ \t]+$/, '')
  }
}

/** A short text (a front-matter value) with template syntax removed. */
export function stripTemplateText(text: string): string {
  return stripTemplateDirectives(text.split('\n')).join('\n').replace(/\s+/g, ' ').trim()
}
