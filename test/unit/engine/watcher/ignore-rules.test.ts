import { describe, expect, it } from 'vitest'
import { hasIndexedExtension, isIgnoredPath } from '../../../../electron/engine/watcher/ignore-rules'

describe('isIgnoredPath', () => {
  it.each([
    ['2023/2023-W14.md', false],
    ['weeknotes/2024-03-11.md', false],
    ['notes.txt', false],
    ['.git/HEAD', true],
    ['.obsidian/workspace.json', true],
    ['sub/.trash/old.md', true],
    ['node_modules/pkg/readme.md', true],
    ['.2023-W14.md.swp', true],
    ['2023-W14.md.swp', true],
    ['2023-W14.md~', true],
    ['.#2023-W14.md', true],
    ['#2023-W14.md#', true],
    ['2023-W14.md.tmp', true],
    ['4913', true],
    ['.~lock.notes.md#', true],
    ['2023-W14.md___jb_tmp___', true],
  ])('%s -> %s', (input, ignored) => {
    expect(isIgnoredPath(input)).toBe(ignored)
  })
})

describe('hasIndexedExtension', () => {
  it.each([
    ['a.md', true],
    ['a.MD', true],
    ['a.markdown', true],
    ['a.txt', true],
    ['a.pdf', false],
    ['md', false],
  ])('%s -> %s', (name, expected) => {
    expect(hasIndexedExtension(name, ['.md', '.markdown', '.txt'])).toBe(expected)
  })
})
