import { describe, expect, it } from 'vitest'
import { splitFrontMatter } from '../../../../electron/engine/chunker/front-matter'

describe('splitFrontMatter', () => {
  it.each([
    {
      name: 'a mapping',
      text: '---\ntitle: Week 14\ntags: [work, infra]\n---\n# Done\n',
      data: { title: 'Week 14', tags: ['work', 'infra'] },
      body: '# Done\n',
      bodyStartLine: 5,
    },
    {
      name: 'closed with ...',
      text: '---\nweek: 2023-W14\n...\nbody',
      data: { week: '2023-W14' },
      body: 'body',
      bodyStartLine: 4,
    },
    { name: 'empty front matter', text: '---\n---\nbody', data: {}, body: 'body', bodyStartLine: 3 },
    {
      name: 'CRLF line endings',
      text: '---\r\nweek: 14\r\nyear: 2023\r\n---\r\nline one\r\nline two',
      data: { week: 14, year: 2023 },
      body: 'line one\nline two',
      bodyStartLine: 5,
    },
    {
      name: 'a BOM before the opening line',
      text: '\uFEFF---\ndate: 2023-04-03\n---\nbody',
      data: { date: '2023-04-03' },
      body: 'body',
      bodyStartLine: 4,
    },
    { name: 'no front matter', text: '# Title\n---\nx: 1\n---\n', data: null, body: '# Title\n---\nx: 1\n---\n', bodyStartLine: 1 },
    { name: 'an opening line without a closing one', text: '---\nsome text\nmore', data: null, body: '---\nsome text\nmore', bodyStartLine: 1 },
    { name: 'a blank line before the opening line', text: '\n---\na: 1\n---\n', data: null, body: '\n---\na: 1\n---\n', bodyStartLine: 1 },
    { name: 'an empty text', text: '', data: null, body: '', bodyStartLine: 1 },
  ])('$name', ({ text, data, body, bodyStartLine }) => {
    expect(splitFrontMatter(text)).toEqual({ data, error: null, body, bodyStartLine })
  })

  it.each([
    ['invalid YAML', '---\ntitle: [unclosed\n---\nbody'],
    ['a bad indentation', '---\na: 1\n  b: 2\n---\nbody'],
    ['a list instead of a mapping', '---\n- one\n- two\n---\nbody'],
    ['a plain string', '---\njust words\n---\nbody'],
    ['duplicate keys', '---\na: 1\na: 2\n---\nbody'],
  ])('%s gives an error, never throws, and still splits off the body', (_name, text) => {
    const result = splitFrontMatter(text)
    expect(result.data).toBeNull()
    expect(result.error).toMatch(/front matter/i)
    expect(result.body).toBe('body')
    expect(result.bodyStartLine).toBe(text.split('\n').indexOf('body') + 1)
  })

  it('an alias bomb is refused instead of expanded', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
    for (let level = 1; level <= 9; level++) {
      const previous = String.fromCharCode(96 + level)
      const name = String.fromCharCode(97 + level)
      lines.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(', ')}]`)
    }
    const result = splitFrontMatter(`---\n${lines.join('\n')}\n---\nbody`)
    expect(result.data).toBeNull()
    expect(result.error).not.toBeNull()
    expect(result.body).toBe('body')
  })
})
