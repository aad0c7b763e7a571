import type { AnswerEnd } from '../../shared/answer'
import type { IndexSnapshot, IndexSummary } from '../../shared/index-status'
import { splitSnippet, weekGroupTitle, type SearchHit, type SearchResult } from '../../shared/search'

const BAR_WIDTH = 24

/** One status line: "indexing 120/400 [#####.....]", "embedding 300/900", "ready: 400 files". */
export function formatProgressLine(snapshot: IndexSnapshot): string {
  const { phase } = snapshot
  switch (phase.type) {
    case 'indexing':
    case 'embedding':
      return `${phase.type} ${phase.done}/${phase.total} ${bar(phase.done, phase.total)}`
    case 'ready':
      return `ready: ${snapshot.files} files, ${snapshot.chunks} chunks, ${snapshot.vectors} vectors${snapshot.heldRemovals ? ` — ${formatHeldRemovals(snapshot)}` : ''}`
    case 'paused':
      return phase.reason === 'folder-unavailable' ? 'paused: the folder is unavailable (the index is kept)' : 'paused'
    case 'error':
      return `error: ${phase.error.message}`
    default:
      return phase.type
  }
}

function bar(done: number, total: number): string {
  const filled = total > 0 ? Math.round((done / total) * BAR_WIDTH) : 0
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`
}

/** What the CLI says while removals are held: why, how many, and the command that applies them. */
export function formatHeldRemovals(status: IndexSnapshot): string {
  const held = status.heldRemovals
  if (!held) return ''
  const why =
    held.reason === 'folder-empty'
      ? 'the folder is empty'
      : held.reason === 'folder-replaced'
        ? 'the folder was replaced by another one (a remount, a restore, a cloud placeholder?)'
        : `${held.removals} of ${held.indexedFiles} notes disappeared at once`
  return `${held.removals} removals held because ${why}; the index is kept and sync sends no deletions. If the notes are really gone, run: notes-rag index --confirm-removals <folder>`
}

export function formatSummary(summary: IndexSummary, status: IndexSnapshot): string {
  const lines = [
    `Indexed ${status.folder}`,
    `  files: ${summary.added} added, ${summary.changed} changed, ${summary.renamed} renamed, ${summary.removed} removed, ${summary.unchanged} unchanged, ${summary.failed} failed`,
    `  chunks: ${summary.chunksEmbedded} embedded, ${summary.chunksReused} reused`,
    `  took ${summary.seconds.toFixed(2)} s`,
  ]
  if (summary.repairs) {
    const repairs = summary.repairs
    lines.push(`  repaired: ${repairs.missingVectors} lost vectors queued again, ${repairs.orphanVectors} orphan vectors deleted, ${repairs.foundVectors} stored vectors reused`)
  }
  if (status.heldRemovals) lines.push(`  ! ${formatHeldRemovals(status)}`)
  if (status.embedding.type === 'unavailable') lines.push(`  vectors: none — ${status.embedding.reason}`)
  for (const error of status.errors.slice(0, 20)) lines.push(`  ! ${error.path}: ${error.message}`)
  if (status.errors.length > 20) lines.push(`  … and ${status.errors.length - 20} more (notes-rag status --json)`)
  return `${lines.join('\n')}\n`
}

export function formatStatus(status: IndexSnapshot): string {
  const embedding =
    status.embedding.type === 'ready'
      ? `${status.embedding.modelId} (${status.embedding.dimensions} dimensions)`
      : status.embedding.type === 'unavailable'
        ? `unavailable — ${status.embedding.reason}`
        : status.embedding.type
  const lines = [
    `Folder:        ${status.folder ?? '(not set)'} [${status.folderState}]`,
    `State:         ${formatProgressLine(status)}`,
    `Files:         ${status.files}`,
    `Chunks:        ${status.chunks} (${status.vectors} with vectors)`,
    `Last indexed:  ${status.lastIndexedAt ?? 'never'}`,
    `Embedding:     ${embedding}`,
    ...(status.periodSources ? [`Dated by:      ${formatSources(status.periodSources.files)} (files)`] : []),
    ...(status.heldRemovals ? [`Held:          ${formatHeldRemovals(status)}`] : []),
    ...(status.repairs
      ? [`Last repair:   ${status.repairs.at}: ${status.repairs.missingVectors} lost vectors queued again, ${status.repairs.orphanVectors} orphans deleted, ${status.repairs.foundVectors} reused`]
      : []),
    `Errors:        ${status.errors.length}`,
    ...status.errors.map((error) => `  ${error.path}: [${error.code}] ${error.message}`),
  ]
  return `${lines.join('\n')}\n`
}

function formatSources(counts: Record<string, number>): string {
  const parts = Object.entries(counts).map(([source, n]) => `${source === 'mtime' ? 'file time (guessed)' : source} ${n}`)
  return parts.length > 0 ? parts.join(', ') : 'nothing yet'
}

export function formatSearchResult(result: SearchResult, color: boolean): string {
  const lines: string[] = []
  const understood = [result.period ? `period: ${result.period.label} (${result.period.start} to ${result.period.end})` : null, result.pathPrefix ? `in: ${result.pathPrefix}` : null]
    .filter(Boolean)
    .join(', ')
  if (understood) lines.push(understood)
  if (result.periodWarning) lines.push(`(${result.periodWarning})`)
  if (result.mode === 'keyword') lines.push(`(keyword results only${result.modeReason ? `: ${result.modeReason}` : ''})`)
  if (result.hits.length === 0) lines.push('No matching notes.')
  const hitLines = (hit: SearchHit, number: number, indent: string) => {
    const guessed = hit.periodGuessed ? ', date guessed from file time' : ''
    const title = hit.title ? `  ${hit.title}` : ''
    const snippet = splitSnippet(hit.snippet)
      .map((part) => (part.marked ? (color ? `\x1b[1m${part.text}\x1b[22m` : `[${part.text}]`) : part.text))
      .join('')
      .replace(/\s+/g, ' ')
    return [
      `${indent}${number}. ${hit.path}:${hit.startLine}-${hit.endLine}  [${hit.periodStart}${hit.periodEnd !== hit.periodStart ? ` – ${hit.periodEnd}` : ''}${guessed}]${title}`,
      `${indent}   ${hit.headingPath.join(' > ')}`,
      `${indent}   ${snippet}`,
    ]
  }
  if (result.rangeOnly && result.weeks) {
    // A pure time question: one entry per week, `--limit` weeks, then how many more matched.
    let number = 0
    for (const week of result.weeks) {
      const more = week.morePassages > 0 ? `  (+${week.morePassages} more passage${week.morePassages === 1 ? '' : 's'})` : ''
      lines.push(`${color ? `\x1b[1m${weekGroupTitle(week)}\x1b[22m` : weekGroupTitle(week)}${more}`)
      for (const hit of week.passages) lines.push(...hitLines(hit, ++number, '  '))
    }
    const moreWeeks = result.moreWeeks ?? 0
    if (moreWeeks > 0) lines.push(`… ${moreWeeks} more week${moreWeeks === 1 ? '' : 's'} matched (raise --limit to see them).`)
    return `${lines.join('\n')}\n`
  }
  result.hits.forEach((hit, index) => lines.push(...hitLines(hit, index + 1, '')))
  return `${lines.join('\n')}\n`
}

export function formatAnswerSources(answer: AnswerEnd, options: { reasoningShown?: boolean } = {}): string {
  const { meta } = answer
  const lines = ['', '']
  if (answer.error) lines.push(`(${answer.error.message})`)
  // The answer text of a retrieval-only answer says it already; a model's answer does not.
  if (meta.periodWarning && meta.backend !== 'retrieval-only') lines.push(`(${meta.periodWarning})`)
  if (answer.reasoning && !options.reasoningShown) lines.push(`(The model also sent ${answer.reasoning.length} characters of reasoning; --verbose shows them.)`)
  const used = answer.citations.length > 0 ? answer.citations : answer.sources
  if (used.length > 0) {
    lines.push(answer.citations.length > 0 ? 'Sources:' : 'Passages:')
    for (const source of used) lines.push(`  [${source.n}] ${source.path}:${source.startLine}-${source.endLine} (${source.periodStart})  ${source.headingPath.join(' > ')}`)
  }
  const backend = meta.backend === 'retrieval-only' ? 'retrieval only (no model could answer)' : `${meta.backend} · ${meta.model ?? 'unknown model'}`
  const timing = [
    meta.timeToFirstTokenMs !== null ? `first token ${Math.round(meta.timeToFirstTokenMs)} ms` : null,
    `total ${Math.round(meta.totalMs)} ms`,
    meta.tokensIn !== null ? `${meta.tokensIn} in / ${meta.tokensOut ?? 0} out tokens` : null,
    meta.cost !== null ? `cost ${meta.cost.toFixed(4)}` : null,
  ]
    .filter(Boolean)
    .join(', ')
  lines.push(`— ${backend}; ${timing}${meta.fallbackReason ? `; ${meta.fallbackReason}` : ''}${meta.aborted ? '; stopped' : ''}`)
  return `${lines.join('\n')}\n`
}
