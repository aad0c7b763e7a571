/**
 * What an MCP client (Claude Desktop's `claude_desktop_config.json`, and most others) needs to start `notes-rag mcp`
 * over stdio: the same snippet as the README's "MCP server" section (a unit test keeps the two equal). The server
 * reads the same data dir as the app, so no path is needed.
 */
export const MCP_CLIENT_CONFIG = { mcpServers: { 'notes-rag': { command: 'npx', args: ['notes-rag', 'mcp'] } } } as const

/** The snippet as the Settings row shows and copies it. */
export function mcpClientSnippet(): string {
  return JSON.stringify(MCP_CLIENT_CONFIG, null, 2)
}
