// Weekly-log templates leave sections like "## Blockers\n- none" or "Notes: n/a" in every file. Embedding
// them would fill search results with near-identical empty chunks, so a section made only of these is skipped.

const EMPTY_VALUES = new Set([
  'none',
  'none yet',
  'n/a',
  'na',
  'nil',
  'null',
  'nothing',
  'nothing yet',
  'nothing new',
  'nothing to report',
  'tbd',
  'tba',
  'empty',
])

const HTML_COMMENT = /<!--[\s\S]*?(?:-->|$)/g
const ONLY_PUNCTUATION = /^[\s\-–—_.…:;|=*#+~`>[\]()]*$/
const LIST_MARKER = /^(?:[-*+]|\d{1,9}[.)])(?:\s+|$)/
const CHECKBOX = /^\[[ xX]?\]\s*/
const LABEL_VALUE = /^([^:]{1,40}):\s*(.*)$/

/** True when a section body holds nothing but template filler: blanks, "none", "n/a", "- [ ]", comments, "...". */
export function isBoilerplate(text: string): boolean {
  const withoutComments = text.replace(HTML_COMMENT, '')
  for (const line of withoutComments.split('\n')) {
    if (!isBoilerplateLine(line)) return false
  }
  return true
}

function isBoilerplateLine(line: string): boolean {
  let value = line.trim().replace(/^(?:>\s*)+/, '')
  value = value.replace(LIST_MARKER, '').replace(CHECKBOX, '')
  value = value.replace(/[*_`~]/g, '').trim().toLowerCase()
  if (ONLY_PUNCTUATION.test(value)) return true
  if (isEmptyValue(value)) return true
  const labelled = LABEL_VALUE.exec(value)
  // "Blockers: none", or a template field left blank ("Notes:").
  return labelled !== null && (labelled[2].trim() === '' || isEmptyValue(labelled[2]))
}

function isEmptyValue(value: string): boolean {
  const trimmed = value.trim().replace(/[.!;:]+$/, '').trim()
  return EMPTY_VALUES.has(trimmed) || ONLY_PUNCTUATION.test(trimmed)
}
