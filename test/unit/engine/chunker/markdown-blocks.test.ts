import { describe, expect, it } from 'vitest'
import { scanBlocks } from '../../../../electron/engine/chunker/markdown-blocks'

function kinds(markdown: string): string[] {
  const lines = markdown.split('\n')
  return scanBlocks(lines).map((block) => {
    const range = `${block.start + 1}-${block.end + 1}`
    if (block.kind === 'heading') return `h${block.level}:${block.text}@${range}`
    if (block.kind === 'list') return `list[${block.items!.map((item) => `${item.start + 1}-${item.end + 1}`).join(',')}]@${range}`
    return `${block.kind}@${range}`
  })
}

describe('scanBlocks', () => {
  it.each([
    ['ATX levels', '# One\n###### Six\n####### seven', ['h1:One@1-1', 'h6:Six@2-2', 'paragraph@3-3']],
    ['closing hashes and empty heading', '## Done ##\n#\n# #', ['h2:Done@1-1', 'h1:@2-2', 'h1:@3-3']],
    ['hashtag is not a heading', '#tag and text', ['paragraph@1-1']],
    ['indented 4 spaces is not a heading', '    # code', ['paragraph@1-1']],
    ['setext levels', 'Title\n=====\nSub\n---', ['h1:Title@1-2', 'h2:Sub@3-4']],
    ['multi-line setext', 'Long\ntitle\n===', ['h1:Long title@1-3']],
    ['thematic break after blank', 'text\n\n---\n\n* * *', ['paragraph@1-1', 'thematic-break@3-3', 'thematic-break@5-5']],
    ['fence hides headings', '```md\n# not\n## heading\n```\n# real', ['fence@1-4', 'h1:real@5-5']],
    ['tilde fence, shorter inner fence', '~~~~\n~~~\n# no\n~~~~', ['fence@1-4']],
    ['backtick fence not closed by tildes', '```\n~~~\n# no\n```', ['fence@1-4']],
    ['unclosed fence runs to the end', 'a\n\n```\n# no\n\n', ['paragraph@1-1', 'fence@3-4']],
    ['inline code is not a fence', '```not a fence``` text', ['paragraph@1-1']],
    ['list items', '- a\n- b\n  more b\n- c', ['list[1-1,2-3,4-4]@1-4']],
    ['loose list', '1. a\n\n2. b\n\n   still b\n\nafter', ['list[1-1,3-5]@1-5', 'paragraph@7-7']],
    ['nested items stay in their parent', '- a\n  - a1\n  - a2\n- b', ['list[1-3,4-4]@1-4']],
    ['lazy continuation', '- a\ncontinues\n- b', ['list[1-2,3-3]@1-3']],
    ['list ended by a heading', '- a\n# H', ['list[1-1]@1-1', 'h1:H@2-2']],
    ['list ended by a thematic break', '- a\n---', ['list[1-1]@1-1', 'thematic-break@2-2']],
    ['fence inside an item hides its # lines', '- a\n  ```\n  # comment\n  ```\n- b', ['list[1-4,5-5]@1-5']],
    ['list interrupts a paragraph', 'Done:\n- a\n- b', ['paragraph@1-1', 'list[2-2,3-3]@2-3']],
    ['table', '| a | b |\n|---|:-:|\n| 1 | 2 |\n| 3 | 4 |\n\nx', ['table@1-4', 'paragraph@6-6']],
    ['table without outer pipes', 'a | b\n--- | ---\n1 | 2', ['table@1-3']],
    ['table after paragraph text', 'intro\n| a | b |\n|---|---|', ['paragraph@1-1', 'table@2-3']],
    ['html comment over lines hides headings', '<!--\n# hint\n-->\n# H', ['html-comment@1-3', 'h1:H@4-4']],
    ['one-line comment', '<!-- x -->\ntext', ['html-comment@1-1', 'paragraph@2-2']],
    ['blockquote then dashes is not setext', '> quote\n---', ['paragraph@1-1', 'thematic-break@2-2']],
  ])('%s', (_name, markdown, expected) => {
    expect(kinds(markdown)).toEqual(expected)
  })

  it('starts at the given line and skips blank lines', () => {
    const blocks = scanBlocks(['---', 'a: 1', '---', '', 'text'], 3)
    expect(blocks).toEqual([{ kind: 'paragraph', start: 4, end: 4 }])
  })
})
