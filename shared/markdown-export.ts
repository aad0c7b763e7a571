import type { AnswerEnd, Citation } from './answer'
import type { Conversation } from './conversation'

/** What an export needs of an answer: the stored form (a conversation's message) or a fresh `AnswerEnd`. */
export type ExportableAnswer = Pick<AnswerEnd, 'text' | 'citations' | 'sources' | 'meta' | 'error'>

export interface MarkdownExportOptions {
  /** When the file was written, ISO; defaults to now. Tests pin it. */
  exportedAt?: string
  /** Lines of each cited passage quoted under its source (default 6; 0 quotes nothing). */
  quoteLines?: number
}

const DEFAULT_QUOTE_LINES = 6

/**
 * One answer as a markdown document: the question, the answer as the model wrote it (its `[n]` markers kept), and
 * a numbered source list that maps every `[n]` to its note, lines and week, so the file stands on its own.
 * Pure (no Node or DOM), so the CLI and the renderer write the same file.
 */
export function answerToMarkdown(question: string, answer: ExportableAnswer, options: MarkdownExportOptions = {}): string {
  const lines = [`# ${oneLine(question) || 'Answer'}`, '', exportLine(options, answer)]
  lines.push('', '## Answer', '', ...answerBody(answer, options))
  return finish(lines)
}

/** A whole conversation: each question and answer in order, each answer with its own sources. */
export function conversationToMarkdown(conversation: Conversation, options: MarkdownExportOptions = {}): string {
  const lines = [`# ${oneLine(conversation.title) || 'Conversation'}`, '', `_Exported from notes-rag on ${exportDate(options)} · conversation started ${conversation.createdAt.slice(0, 10)}_`]
  let question = 0
  for (const message of conversation.messages) {
    if (message.role === 'user') {
      question += 1
      lines.push('', `## ${question}. ${oneLine(message.content)}`)
      if (oneLine(message.content) !== message.content.trim()) lines.push('', ...blockQuote(message.content.trim()))
      continue
    }
    lines.push('')
    if (message.answer) lines.push(...answerBody({ ...message.answer, text: message.content }, options, '###'))
    else lines.push(message.content.trim())
  }
  if (conversation.messages.length === 0) lines.push('', '_No messages yet._')
  return finish(lines)
}

/** A file name for an export: "notes-rag-what-did-i-ship-in-march-2023.md". */
export function exportFileName(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '')
  return `notes-rag-${slug || 'export'}.md`
}

function answerBody(answer: ExportableAnswer, options: MarkdownExportOptions, sourcesHeading = '##'): string[] {
  const lines: string[] = []
  const retrievalOnly = answer.meta.backend === 'retrieval-only'
  const cited = answer.citations.length > 0
  const used = cited ? answer.citations : answer.sources
  let text = answer.text.trim()
  // A retrieval-only text is an explanation followed by the passages as plain text; the passages are listed
  // below with their sources, so only the explanation is kept.
  if (retrievalOnly && used.length > 0) text = text.split(/\n(?=\[1\] )/)[0].trim()
  if (retrievalOnly) lines.push('> **Retrieval only:** no model answered this question; below are the passages that matched.', '')
  if (text) lines.push(text)
  if (answer.error && answer.meta.backend !== 'retrieval-only') lines.push('', `> **Error:** ${oneLine(answer.error.message)}`)
  if (answer.meta.aborted) lines.push('', '_The answer was stopped before it finished._')
  if (used.length > 0) {
    lines.push('', `${sourcesHeading} ${cited && !retrievalOnly ? 'Sources' : 'Passages'}`, '')
    for (const citation of [...used].sort((a, b) => a.n - b.n)) lines.push(...sourceEntry(citation, options))
  }
  lines.push('', `<sub>${answeredBy(answer)}</sub>`)
  return lines
}

function sourceEntry(citation: Citation, options: MarkdownExportOptions): string[] {
  const where = citation.startLine === citation.endLine ? `line ${citation.startLine}` : `lines ${citation.startLine}–${citation.endLine}`
  const period = citation.periodEnd && citation.periodEnd !== citation.periodStart ? `${citation.periodStart} to ${citation.periodEnd}` : citation.periodStart
  const heading = citation.headingPath.length > 0 ? ` — ${citation.headingPath.map(oneLine).join(' › ')}` : ''
  const lines = [`[${citation.n}] \`${citation.path}\`, ${where} (${period})${heading}`]
  const quoteLines = options.quoteLines ?? DEFAULT_QUOTE_LINES
  if (quoteLines > 0 && citation.text.trim()) {
    const passage = citation.text.trim().split(/\r?\n/)
    const shown = passage.slice(0, quoteLines)
    if (passage.length > quoteLines) shown.push('…')
    lines.push('', ...blockQuote(shown.join('\n')))
  }
  lines.push('')
  return lines
}

function answeredBy(answer: ExportableAnswer): string {
  const { meta } = answer
  const who = meta.backend === 'retrieval-only' ? 'retrieval only' : `${meta.backend} model ${meta.model ?? '(unknown)'}`
  const period = meta.period ? ` · period ${meta.period.label} (${meta.period.start} to ${meta.period.end})` : ''
  return `Answered by ${who}${period}`
}

function exportLine(options: MarkdownExportOptions, answer: ExportableAnswer): string {
  const period = answer.meta.period ? ` · ${answer.meta.period.label} (${answer.meta.period.start} to ${answer.meta.period.end})` : ''
  return `_Exported from notes-rag on ${exportDate(options)}${period}_`
}

function exportDate(options: MarkdownExportOptions): string {
  return (options.exportedAt ?? new Date().toISOString()).slice(0, 10)
}

/** Each line quoted; blank lines keep the quote going so it renders as one block. */
function blockQuote(text: string): string[] {
  return text.split(/\r?\n/).map((line) => (line.trim() ? `> ${line}` : '>'))
}

/** Headings and list items must stay on one line. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

function finish(lines: string[]): string {
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`
}
