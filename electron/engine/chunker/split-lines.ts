/** A note's text as lines, without the BOM, with `\r\n`, `\r` and `\n` all counted as one line break. */
export function splitLines(text: string): string[] {
  const withoutBom = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  return withoutBom.split(/\r\n|\r|\n/)
}
