#!/usr/bin/env node
// The installed `notes-rag` command. It runs the CLI's JavaScript build in out/cli/, which `npm install` makes
// (the `prepare` script runs `npm run build:cli`); nothing is compiled at start-up.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const entry = new URL('../out/cli/notes-rag.js', import.meta.url)
if (!existsSync(entry)) {
  process.stderr.write(`notes-rag: the CLI is not built (${fileURLToPath(entry)} is missing): run \`npm run build:cli\` in ${fileURLToPath(new URL('..', import.meta.url))}.\n`)
  process.exit(1)
}
const { runCli } = await import(entry.href)
process.exitCode = await runCli(process.argv.slice(2))
