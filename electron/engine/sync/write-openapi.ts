import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { openApiDocument } from './openapi-document'

/** Where the generated contract is committed, relative to the repository root. */
export const OPENAPI_PATH = path.join('docs', 'gateway-sync.openapi.json')

/** The exact text of docs/gateway-sync.openapi.json (a test checks the committed file equals it). */
export function openApiText(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`
}

// `npx tsx electron/engine/sync/write-openapi.ts` regenerates the file after a schema change.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
  const target = path.join(root, OPENAPI_PATH)
  writeFileSync(target, openApiText())
  console.log(`wrote ${target}`)
}
