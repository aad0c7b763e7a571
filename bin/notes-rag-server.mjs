#!/usr/bin/env node
// Runs the homelab service from the TypeScript sources through tsx, like bin/notes-rag.mjs: no build step.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../server/main.ts')
process.exitCode = await main(process.argv.slice(2))
