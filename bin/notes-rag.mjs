#!/usr/bin/env node
// Runs the CLI from the TypeScript sources through tsx, so `npx notes-rag` works in a checkout right after
// `npm install`, with no build step.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../electron/cli/main.ts')
process.exitCode = await main(process.argv.slice(2))
