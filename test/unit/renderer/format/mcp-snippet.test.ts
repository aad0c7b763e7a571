import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { MCP_CLIENT_CONFIG, mcpClientSnippet } from '../../../../renderer/format/mcp-snippet'

describe('the MCP client snippet in Settings', () => {
  it('is the configuration the README gives in its MCP server section', () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '../../../../README.md'), 'utf8')
    const section = readme.slice(readme.indexOf('### MCP server'))
    const block = /```json\n([\s\S]*?)\n```/.exec(section)
    expect(block, 'README has a json block under "### MCP server"').not.toBeNull()
    expect(JSON.parse(block![1])).toEqual(MCP_CLIENT_CONFIG)
  })

  it('is valid JSON that starts notes-rag mcp', () => {
    const parsed = JSON.parse(mcpClientSnippet())
    expect(parsed.mcpServers['notes-rag']).toEqual({ command: 'npx', args: ['notes-rag', 'mcp'] })
    expect(mcpClientSnippet()).toContain('\n  ')
  })
})
