import { SHORT_MONTH_NAMES } from '../../shared/dates/calendar-date'
import type { AnswerMeta } from '../../shared/answer'

/** "Local · Phi-3.5-mini…", "Gateway · large" or "Retrieval only", as shown above each answer. */
export function answerBackendLabel(meta: Pick<AnswerMeta, 'backend' | 'model'>): string {
  if (meta.backend === 'retrieval-only') return 'Retrieval only'
  const name = meta.backend === 'local' ? 'Local' : 'Gateway'
  return meta.model ? `${name} · ${shortModelName(meta.model)}` : name
}

/** Model URIs and paths are long; the label keeps the file or repo name. */
export function shortModelName(model: string): string {
  const withoutQuery = model.split('?')[0]
  const last = withoutQuery.split(/[/\\]/).filter(Boolean).pop() ?? withoutQuery
  const name = last.replace(/^hf:/, '').replace(/\.gguf$/i, '').replace(/-GGUF(?=:|$)/i, '')
  return name.length > 32 ? `${name.slice(0, 31)}…` : name
}

/** Seconds with one decimal below 10 s, whole seconds above; milliseconds below 1 s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  const seconds = ms / 1000
  return seconds < 10 ? `${seconds.toFixed(1)} s` : `${Math.round(seconds)} s`
}

/** "first token 0.4 s · 2.1 s total"; passages alone have no first token to speak of, only the time to find them. */
export function answerTimingLabel(meta: Pick<AnswerMeta, 'timeToFirstTokenMs' | 'totalMs'> & { backend?: AnswerMeta['backend'] }): string {
  if (meta.backend === 'retrieval-only') return `found in ${formatDuration(meta.totalMs)}`
  const total = `${formatDuration(meta.totalMs)} total`
  return meta.timeToFirstTokenMs === null ? total : `first token ${formatDuration(meta.timeToFirstTokenMs)} · ${total}`
}

/** Bytes as "12.3 MB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB']
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit += 1
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`
}


/**
 * A period as people read it: "11 Mar 2024", "3–9 Apr 2023", "26 Feb – 3 Mar 2024", "29 Dec 2025 – 4 Jan 2026".
 * English month names on purpose: the notes' own file names are ISO, and a fixed format keeps columns aligned.
 */
export function formatPeriod(start: string, end: string): string {
  const a = parseIsoDate(start)
  const b = parseIsoDate(end)
  if (!a || !b) return start === end ? start : `${start} – ${end}`
  if (start === end) return `${a.day} ${SHORT_MONTH_NAMES[a.month]} ${a.year}`
  if (a.year !== b.year) return `${a.day} ${SHORT_MONTH_NAMES[a.month]} ${a.year} – ${b.day} ${SHORT_MONTH_NAMES[b.month]} ${b.year}`
  if (a.month !== b.month) return `${a.day} ${SHORT_MONTH_NAMES[a.month]} – ${b.day} ${SHORT_MONTH_NAMES[b.month]} ${b.year}`
  return `${a.day}–${b.day} ${SHORT_MONTH_NAMES[a.month]} ${a.year}`
}

function parseIsoDate(value: string): { year: number; month: number; day: number } | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (!match) return null
  const month = Number(match[2]) - 1
  if (month < 0 || month > 11) return null
  return { year: Number(match[1]), month, day: Number(match[3]) }
}

/** "3 min ago" style relative time for the status bar. */
export function formatRelativeTime(iso: string, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000))
  if (seconds < 45) return 'just now'
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) return `${minutes} min ago`
  const hours = Math.round(minutes / 60)
  if (hours < 24) return `${hours} h ago`
  return new Date(iso).toLocaleDateString()
}
