#!/usr/bin/env node
// The installed `notes-rag-server` command (the homelab service in server/). It runs the JavaScript build in
// out/cli/, which `npm install` makes (the `prepare` script runs `npm run build:cli`); nothing is compiled at start-up.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const entry = new URL('../out/cli/notes-rag-server.js', import.meta.url)
if (!existsSync(entry)) {
  process.stderr.write(`notes-rag-server: the service is not built (${fileURLToPath(entry)} is missing): run \`npm run build:cli\` in ${fileURLToPath(new URL('..', import.meta.url))}.\n`)
  process.exit(1)
}
const { main } = await import(entry.href)
process.exitCode = await main(process.argv.slice(2))
