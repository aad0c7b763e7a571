import type { Period } from '../../../shared/period'
import type { SearchHit, WeekGroup } from '../../../shared/search'
import { formatIsoWeek, isoWeekOf, isoWeekRange } from '../../../shared/dates/iso-week'
import { searchTerms } from './fts-query'

/** How many passages a week shows in a pure time question; the rest are counted. */
export const PASSAGES_PER_WEEK = 3

/** Section names every weekly log repeats: a passage of only these says little about the week. */
const TEMPLATE_WORDS = new Set(['done', 'learned', 'next', 'people', 'blockers', 'week', 'notes', 'todo', 'monday', 'friday', 'weekend'])

export interface WeekGrouping {
  weeks: WeekGroup[]
  moreWeeks: number
}

/**
 * Groups date-ordered hits into Monday-to-Sunday weeks (a hit belongs to the week of its first day inside the
 * asked period), keeps the first `weekLimit` weeks and, in each, the `perWeek` passages that say the most (the
 * most distinct content words), shown in note order.
 */
export function groupByWeek(hits: SearchHit[], period: Period, weekLimit: number, perWeek = PASSAGES_PER_WEEK): WeekGrouping {
  const byWeek = new Map<string, { period: Period; label: string; hits: SearchHit[] }>()
  for (const hit of hits) {
    const day = hit.periodStart > period.start ? hit.periodStart : period.start
    const { year, week } = isoWeekOf(day)
    const label = formatIsoWeek(year, week)
    let group = byWeek.get(label)
    if (!group) {
      group = { period: isoWeekRange(year, week), label, hits: [] }
      byWeek.set(label, group)
    }
    group.hits.push(hit)
  }
  const all = [...byWeek.values()].sort((a, b) => a.period.start.localeCompare(b.period.start))
  const weeks = all.slice(0, Math.max(0, weekLimit)).map((group): WeekGroup => {
    const order = new Map(group.hits.map((hit, index) => [hit, index]))
    const best = [...group.hits]
      .sort((a, b) => substance(b.text) - substance(a.text) || order.get(a)! - order.get(b)!)
      .slice(0, perWeek)
      .sort((a, b) => order.get(a)! - order.get(b)!)
    return { period: group.period, label: group.label, passages: best, morePassages: group.hits.length - best.length }
  })
  return { weeks, moreWeeks: all.length - weeks.length }
}

/** Distinct content words: a stand-in for "says the most" when there is no query to rank by. */
function substance(text: string): number {
  const words = new Set<string>()
  for (const tokens of searchTerms(text)) {
    for (const word of tokens) if (word.length >= 3 && !/^\d+$/.test(word) && !TEMPLATE_WORDS.has(word)) words.add(word)
  }
  return words.size
}
