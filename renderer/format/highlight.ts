/**
 * Which words of a question to highlight in passages, and where they occur. The keyword index stems words (porter),
 * so "planted" finds "plant" and "plants": a highlight matches a word that shares the query word's stem.
 */

/** Question words that are never what the user is looking for. */
const SKIP = new Set([
  'a', 'about', 'after', 'again', 'all', 'an', 'and', 'any', 'are', 'as', 'at', 'be', 'been', 'before', 'but', 'by',
  'can', 'could', 'did', 'do', 'does', 'doing', 'done', 'for', 'from', 'had', 'has', 'have', 'how', 'i', 'if', 'in',
  'into', 'is', 'it', 'its', 'me', 'my', 'of', 'on', 'or', 'our', 'so', 'that', 'the', 'their', 'them', 'then',
  'there', 'these', 'they', 'this', 'to', 'up', 'us', 'was', 'we', 'were', 'what', 'when', 'where', 'which', 'who',
  'why', 'will', 'with', 'would', 'you', 'your', 'work', 'worked', 'working', 'first', 'last', 'mention', 'mentioned',
  'ever', 'time', 'week', 'weeks', 'month', 'year', 'tell', 'show', 'find', 'notes', 'note', 'since', 'between',
  'ago', 'latest', 'earliest', 'summarise', 'summarize', 'happened', 'happen', 'read', 'wrote', 'write',
])

/** A rough stem: enough to match the common inflections the keyword index folds together. */
export function stem(word: string): string {
  let value = word.toLowerCase()
  for (const suffix of ['ing', 'ed', 'es', 's', 'ly']) {
    if (value.length - suffix.length >= 4 && value.endsWith(suffix)) {
      value = value.slice(0, -suffix.length)
      break
    }
  }
  return value
}

/** The words of a query worth highlighting, lowercased, without question words, months or numbers. */
export function queryTerms(query: string): string[] {
  const terms = new Set<string>()
  for (const word of query.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'.+#-]*/gu) ?? []) {
    const clean = word.replace(/['.]+$/g, '').replace(/'s$/, '')
    if (clean.length < 3 || SKIP.has(clean) || /^\d+$/.test(clean) || MONTHS.has(clean) || /^(after|before|in):/.test(clean)) continue
    terms.add(clean)
  }
  return [...terms]
}

const MONTHS = new Set(['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'today', 'yesterday'])

/** Splits text into plain and highlighted runs; a word is highlighted when its stem starts with a term's stem. */
export function splitHighlights(text: string, terms: readonly string[]): Array<{ text: string; marked: boolean }> {
  if (terms.length === 0 || text.length === 0) return [{ text, marked: false }]
  const stems = terms.map(stem)
  const parts: Array<{ text: string; marked: boolean }> = []
  let last = 0
  for (const match of text.matchAll(/[\p{L}\p{N}][\p{L}\p{N}'+#-]*/gu)) {
    const word = match[0].toLowerCase()
    const wordStem = stem(word)
    const hit = stems.some((term, index) => wordStem === term || word === terms[index] || (term.length >= 4 && wordStem.startsWith(term)))
    if (!hit) continue
    const start = match.index
    if (start > last) parts.push({ text: text.slice(last, start), marked: false })
    parts.push({ text: match[0], marked: true })
    last = start + match[0].length
  }
  if (last < text.length) parts.push({ text: text.slice(last), marked: false })
  return parts
}
