import { createRequire } from 'node:module'

/**
 * The version in package.json. The sources (electron/cli/) and the build (out/cli/) sit at the same depth, so the
 * same relative path finds it from both.
 */
export function cliVersion(): string {
  try {
    return (createRequire(import.meta.url)('../../package.json') as { version: string }).version
  } catch {
    return '0.0.0'
  }
}
