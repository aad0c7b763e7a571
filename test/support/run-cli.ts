import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const cliBin = path.join(repoRoot, 'bin/notes-rag.mjs')

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs the real CLI (`node bin/notes-rag.mjs ...`) in a child process and collects its output. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [cliBin, ...args], { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1', ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (data) => (stdout += data))
  child.stderr.on('data', (data) => (stderr += data))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}
