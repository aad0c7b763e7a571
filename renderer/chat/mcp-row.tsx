import { useRef, useState } from 'react'
import { mcpClientSnippet } from '../format/mcp-snippet'

/** Settings row: the configuration an MCP client needs to use these notes, with a Copy button. */
export function McpRow() {
  const snippet = mcpClientSnippet()
  const [copied, setCopied] = useState<'copied' | 'select' | null>(null)
  const preRef = useRef<HTMLPreElement>(null)
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(snippet)
      setCopied('copied')
    } catch {
      // No clipboard permission: select the text so Ctrl/Cmd+C copies it.
      const range = document.createRange()
      if (preRef.current) range.selectNodeContents(preRef.current)
      const selection = window.getSelection()
      selection?.removeAllRanges()
      selection?.addRange(range)
      setCopied('select')
    }
  }
  return (
    <div className="mcp-row">
      <p className="muted">
        Assistants and editors that speak the Model Context Protocol can search and read your notes through <code>notes-rag mcp</code> (it only
        reads them). Add this to the client's configuration (Claude Desktop: <code>claude_desktop_config.json</code>; VS Code{' '}
        <code>.vscode/mcp.json</code> names the key <code>"servers"</code>):
      </p>
      <div className="mcp-snippet">
        <pre ref={preRef} aria-label="MCP client configuration">
          {snippet}
        </pre>
        <button type="button" className="button button-small" onClick={() => void copy()}>
          {copied === 'copied' ? 'Copied' : 'Copy'}
        </button>
      </div>
      <p className="muted" role="status" aria-label="Copy result">
        {copied === 'copied' ? 'Copied to the clipboard.' : copied === 'select' ? 'Selected: press Ctrl+C (⌘C) to copy.' : ''}
      </p>
    </div>
  )
}
