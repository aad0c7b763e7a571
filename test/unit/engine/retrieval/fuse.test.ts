import { describe, expect, it } from 'vitest'
import { RRF_K, fuseRankings } from '../../../../electron/engine/retrieval/fuse'

describe('fuseRankings', () => {
  it('adds 1 / (k + rank) per list and records the retrievers', () => {
    const fused = fuseRankings([
      { retriever: 'keyword', ids: ['a', 'b', 'c'] },
      { retriever: 'vector', ids: ['c', 'd'] },
    ])
    const byId = Object.fromEntries(fused.map((item) => [item.id, item]))
    expect(byId.c.score).toBeCloseTo(1 / (RRF_K + 3) + 1 / (RRF_K + 1), 12)
    expect(byId.a.score).toBeCloseTo(1 / (RRF_K + 1), 12)
    expect(byId.c.retrievers).toEqual(['keyword', 'vector'])
    expect(byId.d.retrievers).toEqual(['vector'])
    expect(byId.c.ranks).toEqual({ keyword: 2, vector: 0 })
    expect(fused.map((item) => item.id)).toEqual(['c', 'a', 'b', 'd'])
  })

  it('puts a chunk found by both lists above one found by a single list at the same rank', () => {
    const fused = fuseRankings([
      { retriever: 'keyword', ids: ['x', 'both'] },
      { retriever: 'vector', ids: ['y', 'both'] },
    ])
    expect(fused[0].id).toBe('both')
  })

  it('counts a duplicate within one list once, at its best rank', () => {
    const fused = fuseRankings([{ retriever: 'keyword', ids: ['a', 'b', 'a'] }])
    expect(fused).toHaveLength(2)
    expect(fused[0]).toMatchObject({ id: 'a', score: 1 / (RRF_K + 1) })
    expect(fused[1].score).toBeCloseTo(1 / (RRF_K + 2), 12)
  })

  it('keeps first-seen order on ties and handles empty input', () => {
    expect(fuseRankings([]).length).toBe(0)
    const fused = fuseRankings([
      { retriever: 'keyword', ids: ['k'] },
      { retriever: 'vector', ids: ['v'] },
    ])
    expect(fused.map((item) => item.id)).toEqual(['k', 'v'])
  })

  it('honours a custom k', () => {
    expect(fuseRankings([{ retriever: 'vector', ids: ['a'] }], 0)[0].score).toBe(1)
  })
})
