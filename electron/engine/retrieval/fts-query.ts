/** Words too common to help a keyword search; a query of only these searches nothing. */
export const STOPWORDS = new Set([
  'a', 'about', 'after', 'again', 'all', 'am', 'an', 'and', 'any', 'are', 'as', 'at', 'be', 'been', 'before',
  'being', 'but', 'by', 'can', 'could', 'did', 'do', 'does', 'doing', 'done', 'for', 'from', 'had', 'has', 'have',
  'having', 'he', 'her', 'here', 'hers', 'him', 'his', 'how', 'i', 'if', 'in', 'into', 'is', 'it', 'its', 'just',
  'me', 'more', 'most', 'my', 'no', 'nor', 'not', 'of', 'off', 'on', 'once', 'only', 'or', 'our', 'ours', 'out',
  'over', 'own', 'same', 'she', 'should', 'so', 'some', 'such', 'than', 'that', 'the', 'their', 'theirs', 'them',
  'then', 'there', 'these', 'they', 'this', 'those', 'through', 'to', 'too', 'under', 'until', 'up', 'us', 'very',
  'was', 'we', 'were', 'what', 'when', 'where', 'which', 'while', 'who', 'whom', 'why', 'will', 'with', 'would',
  'you', 'your', 'yours', 'i\'m', 'im', 'ive', 'get', 'got', 'tell', 'show', 'find', 'anything', 'something',
  'everything', 'time', 'first', 'last', 'ever', 'thing', 'things', 'notes', 'note', 'did', 'really', 'please',
])

/** More terms than this add little to ranking and make the FTS query slow. */
export const MAX_FTS_TERMS = 24

export interface FtsQueryOptions {
  /** Match the last term as a prefix ("postg" finds "postgres"), for search-as-you-type. */
  prefixLast?: boolean
  /** Require every term (AND) instead of any (OR). */
  requireAll?: boolean
}

/**
 * The search terms of free text, lowercased, in order, without stopwords or repeats. A word written with inner
 * punctuation ("2023-W14", "node.js") stays one term of several tokens, searched as a phrase.
 */
export function searchTerms(text: string): string[][] {
  const terms: string[][] = []
  const seen = new Set<string>()
  for (const word of text.toLowerCase().split(/\s+/)) {
    const tokens = word.match(/[\p{L}\p{N}]+/gu)
    if (!tokens) continue
    if (tokens.length === 1 && (STOPWORDS.has(tokens[0]) || STOPWORDS.has(word.replace(/[^\p{L}\p{N}']/gu, '')))) continue
    const key = tokens.join(' ')
    if (seen.has(key)) continue
    seen.add(key)
    terms.push(tokens)
    if (terms.length >= MAX_FTS_TERMS) break
  }
  return terms
}

/**
 * A safe FTS5 MATCH expression for free text: every term double-quoted (so FTS syntax in the query is just text),
 * joined with OR so notes matching only some terms still rank (bm25 ranks those matching more terms higher).
 * Returns null when nothing searchable remains.
 */
export function toFtsQuery(text: string, options: FtsQueryOptions = {}): string | null {
  const terms = searchTerms(text)
  if (terms.length === 0) return null
  return terms
    .map((tokens, index) => {
      // Tokens hold only letters and digits, so no quote can break out of the string.
      const quoted = `"${tokens.join(' ')}"`
      return options.prefixLast && index === terms.length - 1 && tokens.length === 1 ? `${quoted}*` : quoted
    })
    .join(options.requireAll ? ' AND ' : ' OR ')
}
