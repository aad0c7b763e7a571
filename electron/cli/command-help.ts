/** Every command, in the order the general help lists them. */
export const COMMANDS = ['index', 'watch', 'status', 'search', 'ask', 'sync', 'settings', 'mcp', 'help'] as const
export type Command = (typeof COMMANDS)[number]

/** The general help: every command and every option. */
export const USAGE = `notes-rag — a local-first second brain over your weekly logs

Usage:
  notes-rag index <folder>       index the folder once (incremental) and print a summary
  notes-rag watch <folder>       keep the index up to date until Ctrl+C, logging each change
  notes-rag status               files, chunks, last indexed time, folder state, model, per-file errors
  notes-rag search "<query>"     hybrid, time-aware search ("kubernetes last march", "in:projects/ api")
  notes-rag ask "<question>"     answer from your notes, streamed, with sources
  notes-rag sync                 push the index to the homelab gateway (--enable/--disable, --dry-run)
  notes-rag settings get [KEY]   print settings.json, or one value (e.g. sync.enabled)
  notes-rag settings set KEY VALUE   change one setting, validated like the app does
  notes-rag mcp                  serve the notes to MCP clients (Claude Desktop, VS Code) over stdio

  notes-rag help <command>       what one command does and its options (also: notes-rag <command> --help)
  notes-rag --version            the installed version

Options:
  --data-dir DIR            where the index lives (default: the app's data folder, shared with the app)
  --json                    machine-readable output
  --limit N                 search hits, or weeks for a question that is only a time range (default 10)
  --today YYYY-MM-DD        the day relative phrases ("last week") count from (default: today)
  --verbose                 ask: also print the model's reasoning, dimmed
  --backend local|gateway|auto      which model answers (ask)
  --policy local-only|auto|prefer-gateway   routing policy for this run
  --embedding-model DIR|ID  embedding model folder or hub id
  --llm-model PATH.gguf     local chat model
  --threads N               llama.cpp CPU threads (0 = one fewer than the cores)
  --gateway-url URL         homelab gateway base URL (env NOTES_RAG_GATEWAY_URL)
  --gateway-token TOKEN     gateway token (env NOTES_RAG_GATEWAY_TOKEN)
  --dry-run                 sync: list what would be sent, send nothing
  --confirm-removals        index: apply the removals held back because the folder looked emptied or replaced
  --wait                    index, sync: wait for another notes-rag writing this data folder instead of failing
                            (watch always waits; status, search and ask only read and never wait)
`

/** `notes-rag help <command>` and `notes-rag <command> --help`: what the command does, its arguments and options. */
const COMMAND_HELP: Record<Command, string> = {
  index: `notes-rag index <folder> — index the folder once (incremental) and print a summary

Only files that changed since the last run are read and embedded again. On a fresh data folder, <folder> becomes
the folder the app watches (one index shared by the app and the terminal). Quote a path with spaces.

Options:
  --json                  the summary and the status as JSON
  --wait                  wait for another notes-rag (or the app) writing this data folder instead of failing
  --confirm-removals      apply the removals held back because the folder looked emptied or replaced
  --embedding-model DIR|ID, --data-dir DIR

Example:
  notes-rag index ~/notes/weekly
`,
  watch: `notes-rag watch <folder> — keep the index up to date until Ctrl+C, logging each change

Indexes <folder> first, then follows every change. Waits for another process writing the same data folder
(a running index, or the app) instead of failing.

Options:
  --embedding-model DIR|ID, --data-dir DIR
`,
  status: `notes-rag status — what the index holds

Files, chunks, last indexed time, folder state, embedding model, what the notes are dated by, and per-file errors.
Only reads: it never waits for a writer.

Options:
  --json                  the status as JSON
  --data-dir DIR
`,
  search: `notes-rag search "<query>" — hybrid, time-aware search over the notes

Time phrases filter by the week a note covers ("kubernetes last march", "2023-W14", "in Q2 2024"); "in:projects/"
limits to a folder. A question that is only a time range ("what did I do in January 2020?") lists the weeks.
The query is one argument: put it in quotes.

Options:
  --limit N               hits, or weeks for a time-range question (default 10)
  --today YYYY-MM-DD      the day relative phrases count from (default: today)
  --json                  hits as JSON (paths relative to the folder)
  --embedding-model DIR|ID, --data-dir DIR

Example:
  notes-rag search "postgres migration last year" --limit 5
`,
  help: `notes-rag help [<command>] — the general help, or one command's

  notes-rag help              every command and option
  notes-rag help search       what search does and its options (same as notes-rag search --help)
  notes-rag --version         the installed version
`,
  ask: `notes-rag ask "<question>" — answer from your notes, streamed, with sources

The question is one argument: put it in quotes. Without a chat model or gateway, the answer is the retrieved
passages, labelled as such.

Options:
  --backend local|gateway|auto   which model answers (default: the routing policy)
  --format text|markdown|json    text (streamed, default), markdown (the answer and its citations as a document),
                                 json (same as --json)
  --output FILE, -o FILE         write the answer to FILE instead of the terminal (with --format markdown or json)
  --verbose                      also print the model's reasoning, dimmed, on stderr
  --limit N, --today YYYY-MM-DD  as for search
  --policy local-only|auto|prefer-gateway, --llm-model PATH.gguf, --threads N, --embedding-model DIR|ID,
  --gateway-url URL, --gateway-token TOKEN, --data-dir DIR

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
  return topic === null ? USAGE : COMMAND_HELP[topic]
}
