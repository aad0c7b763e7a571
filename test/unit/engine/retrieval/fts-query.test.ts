import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { searchTerms, toFtsQuery } from '../../../../electron/engine/retrieval/fts-query'

const NASTY = [
  '"', '""', '"unterminated', "it's", 'a AND b', 'OR', 'NOT', 'NEAR(a b, 3)', 'a* OR -b AND ^c', 'col:value',
  '{a b}: c', '(((', ')))', '*', '-', '+', '^', 'a:b:c', '🎉🚀 launch', '\u0000\u001f', 'ü ß 日本語', "'; DROP TABLE notes; --",
  'x'.repeat(10_000), 'word '.repeat(500), '2023-W14', 'node.js c++ c#', '\\', '%', '_', '$1', 'AND OR NOT NEAR',
]

describe('toFtsQuery', () => {
  let db: Database.Database
  beforeAll(() => {
    db = new Database(':memory:')
    db.exec(`CREATE VIRTUAL TABLE notes USING fts5(body, tokenize = 'porter unicode61')`)
    const insert = db.prepare('INSERT INTO notes (rowid, body) VALUES (?, ?)')
    insert.run(1, 'Finished the Postgres migration with Dana')
    insert.run(2, 'Tried Kubernetes for the first time in 2023-W14')
    insert.run(3, 'Postgres vacuum tuning and Kubernetes upgrade')
    insert.run(4, 'Lunch 🎉 with the team, ü and 日本語')
  })
  afterAll(() => db.close())

  const match = (query: string | null): number[] =>
    query === null ? [] : (db.prepare('SELECT rowid FROM notes WHERE notes MATCH ? ORDER BY bm25(notes)').all(query) as Array<{ rowid: number }>).map((row) => row.rowid)

  it.each(NASTY.map((input, index) => [index, input] as const))('runs nasty input %i through a real FTS5 table', (_index, input) => {
    expect(() => match(toFtsQuery(input))).not.toThrow()
    expect(() => match(toFtsQuery(input, { prefixLast: true }))).not.toThrow()
  })

  it('returns null when only stopwords or punctuation remain', () => {
    expect(toFtsQuery('')).toBeNull()
    expect(toFtsQuery('what did I do?')).toBeNull()
    expect(toFtsQuery('"()*')).toBeNull()
  })

  it('quotes terms and ORs them so partial matches still rank, best first', () => {
    expect(toFtsQuery('Postgres migration')).toBe('"postgres" OR "migration"')
    const rows = match(toFtsQuery('postgres migration'))
    expect(rows[0]).toBe(1)
    expect(rows).toContain(3)
  })

  it('keeps FTS operators as plain words', () => {
    expect(toFtsQuery('postgres AND NEAR kubernetes*')).toBe('"postgres" OR "near" OR "kubernetes"')
  })

  it('searches a word with inner punctuation as a phrase', () => {
    expect(toFtsQuery('2023-W14')).toBe('"2023 w14"')
    expect(match(toFtsQuery('2023-W14'))).toEqual([2])
  })

  it('can match the last term as a prefix while typing', () => {
    expect(toFtsQuery('kubernetes postg', { prefixLast: true })).toBe('"kubernetes" OR "postg"*')
    expect(match(toFtsQuery('postg', { prefixLast: true })).sort()).toEqual([1, 3])
  })

  it('finds non-English words and drops repeats', () => {
    expect(match(toFtsQuery('日本語'))).toEqual([4])
    expect(searchTerms('Postgres postgres POSTGRES')).toEqual([['postgres']])
  })
})

describe('toFtsQuery requireAll', () => {
  it('joins terms with AND', () => {
    expect(toFtsQuery('postgres kubernetes', { requireAll: true })).toBe('"postgres" AND "kubernetes"')
    const db = new Database(':memory:')
    db.exec(`CREATE VIRTUAL TABLE notes USING fts5(body, tokenize = 'porter unicode61')`)
    db.prepare('INSERT INTO notes (rowid, body) VALUES (?, ?)').run(1, 'postgres only')
    db.prepare('INSERT INTO notes (rowid, body) VALUES (?, ?)').run(2, 'postgres and kubernetes')
    const rows = db.prepare('SELECT rowid FROM notes WHERE notes MATCH ?').all(toFtsQuery('postgres kubernetes', { requireAll: true })) as Array<{ rowid: number }>
    expect(rows.map((row) => row.rowid)).toEqual([2])
    db.close()
  })
})
