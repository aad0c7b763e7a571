/**
 * A fast stand-in for the embedding tokenizer (WordPiece, as in BERT-style models) used when none is loaded.
 * It errs high so chunks sized with it still fit the real model: each punctuation or symbol character is a
 * token (WordPiece splits them off), a run of ASCII letters counts one token per 3 characters (common words
 * are one token, rare ones and identifiers split into pieces of about that size), a run holding digits one per
 * 2 characters (long numbers and hashes split finer), and any other character (accented letters, CJK, other
 * scripts, emoji) counts as a token of its own.
 */
export function approximateTokenCount(text: string): number {
  let tokens = 0
  let run = 0
  let runHasDigit = false
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (isAsciiAlphanumeric(code)) {
      run++
      if (code <= 57) runHasDigit = true
      continue
    }
    if (run > 0) {
      tokens += runTokens(run, runHasDigit)
      run = 0
      runHasDigit = false
    }
    if (isWhitespace(code)) continue
    // A surrogate pair is one character.
    if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) index++
    if (isCombiningMark(code)) continue
    tokens++
  }
  if (run > 0) tokens += runTokens(run, runHasDigit)
  return tokens
}

function runTokens(length: number, hasDigit: boolean): number {
  return Math.ceil(length / (hasDigit ? 2 : 3))
}

function isAsciiAlphanumeric(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122)
}

function isWhitespace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13) || code === 0xa0 || code === 0x3000 || (code >= 0x2000 && code <= 0x200b) || code === 0xfeff
}

// Uncased WordPiece strips accents, so a combining mark adds no token.
function isCombiningMark(code: number): boolean {
  return code >= 0x300 && code <= 0x36f
}
