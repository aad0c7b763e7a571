import { MONTH_NAMES, SHORT_MONTH_NAMES } from '../../shared/dates/calendar-date'
import type { ConversationSummary } from '../../shared/conversation'


export interface ConversationGroup {
  label: string
  items: ConversationSummary[]
}

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime()
}

/** The sidebar's groups by last activity: Today, Yesterday, Previous 7 days, then by month. Newest first. */
export function groupConversations(items: readonly ConversationSummary[], now: Date = new Date()): ConversationGroup[] {
  const today = startOfDay(now)
  const day = 86_400_000
  const groups: ConversationGroup[] = []
  const byLabel = new Map<string, ConversationGroup>()
  const sorted = [...items].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
  for (const item of sorted) {
    const when = new Date(item.updatedAt)
    const start = startOfDay(when)
    let label: string
    if (Number.isNaN(start)) label = 'Earlier'
    else if (start >= today) label = 'Today'
    else if (start >= today - day) label = 'Yesterday'
    else if (start >= today - 7 * day) label = 'Previous 7 days'
    else label = when.getFullYear() === now.getFullYear() ? MONTH_NAMES[when.getMonth()] : `${MONTH_NAMES[when.getMonth()]} ${when.getFullYear()}`
    let group = byLabel.get(label)
    if (!group) {
      group = { label, items: [] }
      byLabel.set(label, group)
      groups.push(group)
    }
    group.items.push(item)
  }
  return groups
}

/** A short date for a sidebar row: a time today, else "3 Nov" (with the year when not this year). */
export function conversationDate(iso: string, now: Date = new Date()): string {
  const when = new Date(iso)
  if (Number.isNaN(when.getTime())) return ''
  if (startOfDay(when) === startOfDay(now)) return `${String(when.getHours()).padStart(2, '0')}:${String(when.getMinutes()).padStart(2, '0')}`
  return when.getFullYear() === now.getFullYear() ? `${when.getDate()} ${SHORT_MONTH_NAMES[when.getMonth()]}` : `${when.getDate()} ${SHORT_MONTH_NAMES[when.getMonth()]} ${when.getFullYear()}`
}

/** Conversations whose title holds every word of the filter, case- and accent-insensitively. */
export function filterConversations(items: readonly ConversationSummary[], filter: string): ConversationSummary[] {
  const fold = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
  const words = fold(filter).split(/\s+/).filter(Boolean)
  if (words.length === 0) return [...items]
  return items.filter((item) => {
    const title = fold(item.title)
    return words.every((word) => title.includes(word))
  })
}
