import type { Retriever } from '../../../shared/search'

/** The constant of reciprocal-rank fusion (Cormack et al. 2009): dampens the weight of the very top ranks. */
export const RRF_K = 60

/** One retriever's result list, best first. */
export interface RankedList {
  retriever: Retriever
  ids: string[]
}

/** A chunk after fusion, with the retrievers that found it. */
export interface FusedItem {
  id: string
  score: number
  retrievers: Retriever[]
  /** 0-based rank in each list that found it. */
  ranks: Partial<Record<Retriever, number>>
}

/**
 * Reciprocal-rank fusion: each list adds 1 / (k + rank) for each chunk it holds (rank 1-based). Lists are
 * deduplicated (a chunk counts once per list, at its best rank). Ties keep the order of first appearance.
 */
export function fuseRankings(lists: RankedList[], k = RRF_K): FusedItem[] {
  const items = new Map<string, FusedItem>()
  for (const list of lists) {
    const seen = new Set<string>()
    let rank = 0
    for (const id of list.ids) {
      if (seen.has(id)) continue
      seen.add(id)
      let item = items.get(id)
      if (!item) {
        item = { id, score: 0, retrievers: [], ranks: {} }
        items.set(id, item)
      }
      item.score += 1 / (k + rank + 1)
      if (!item.retrievers.includes(list.retriever)) item.retrievers.push(list.retriever)
      item.ranks[list.retriever] ??= rank
      rank++
    }
  }
  // Array.prototype.sort is stable, so equal scores keep insertion order.
  return [...items.values()].sort((a, b) => b.score - a.score)
}
