import { USAGE, type Command } from './parse-cli-args'

/** `notes-rag <command> --help` for the commands whose options need more than the general usage line. */
const COMMAND_HELP: Partial<Record<Command, string>> = {
  ask: `notes-rag ask "<question>" — answer from your notes, streamed, with sources

Options:
  --backend local|gateway|auto   which model answers (default: the routing policy)
  --format text|markdown|json    text (streamed, default), markdown (the answer and its citations as a document),
                                 json (same as --json)
  --output FILE, -o FILE         write the answer to FILE instead of the terminal (with --format markdown or json)
  --policy local-only|auto|prefer-gateway, --llm-model PATH.gguf, --threads N, --data-dir DIR

Example:
  notes-rag ask "what did I ship in March 2023?" --format markdown -o march-2023.md
`,
  sync: `notes-rag sync — push the index to the homelab gateway (push-only; your notes are the source of truth)

Options:
  --dry-run           list what would be sent and send nothing; works while sync is off (then it opens no
                      connection and compares with the last state the gateway reported)
  --enable            turn sync on (saved in settings.json), then stop; run notes-rag sync to push
  --disable           turn sync off (saved)
  --gateway-url URL   the gateway's OpenAI-compatible base URL, e.g. https://llm.homelab.lan/v1 (saved)
  --gateway-token T   the gateway token for this run (or NOTES_RAG_GATEWAY_TOKEN; the app keeps it in the keychain)
  --json              the report as JSON

Turning sync on from the terminal:
  notes-rag sync --enable --gateway-url https://llm.homelab.lan/v1
  NOTES_RAG_GATEWAY_TOKEN=... notes-rag sync --dry-run
  NOTES_RAG_GATEWAY_TOKEN=... notes-rag sync
`,
  settings: `notes-rag settings — read and change settings.json (the same file and schema the app uses)

Usage:
  notes-rag settings get            every setting, as JSON
  notes-rag settings get KEY        one value, e.g. notes-rag settings get sync.enabled
  notes-rag settings set KEY VALUE  change one value; checked against the settings schema before it is saved

VALUE is read as JSON when it parses (true, 42, null, ["private/**"]) and as text otherwise, so
  notes-rag settings set sync.enabled true
  notes-rag settings set gateway.baseUrl https://llm.homelab.lan/v1
  notes-rag settings set sync.exclude '["private/**", "drafts/**"]'
  notes-rag settings set routing.policy local-only
A running app reads the file when it starts; change settings there while it runs.

Options:
  --data-dir DIR   the data folder whose settings.json to use
  --json           print values as JSON
`,
  mcp: `notes-rag mcp — serve your notes to MCP clients (Claude Desktop, VS Code, Cursor…) over stdio

The client starts this command and speaks the Model Context Protocol on its stdin/stdout; logs go to stderr.
Tools: search_notes, list_weeks, read_note, ask_notes, timeline. Resources: every indexed note
(notes-rag://note/<path>). Notes are only read, never written; answers follow routing.policy (local-only never
opens a connection). read_note serves only notes inside the folder.

Options:
  --watch                 keep the index up to date while serving (leave off when the app is running: it indexes)
  --data-dir DIR          the data folder (default: the app's, so the app's index is served)
  --policy local-only|auto|prefer-gateway, --llm-model PATH.gguf, --threads N, --embedding-model DIR|ID

Client configuration (e.g. claude_desktop_config.json, or .vscode/mcp.json under "servers"):
  { "mcpServers": { "notes-rag": { "command": "npx", "args": ["notes-rag", "mcp"] } } }
`,
}

/** The help text for `topic`, or the general usage. */
export function helpText(topic: Command | null): string {
  return (topic && COMMAND_HELP[topic]) || USAGE
}
