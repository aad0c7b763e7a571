import { helpText } from './command-help'
import { readCommandLine } from './command-line'
import { cliVersion } from './cli-version'
import type { CliIo } from './main'
import { errorMessage } from '../../shared/errors'

/**
 * The installed `notes-rag` (bin/notes-rag.mjs runs the build of this file). Help, `--version` and usage errors
 * answer from the argument reader alone; every other command loads main.ts, and with it the settings schema and
 * the engine, only then.
 */
export async function runCli(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let line
  try {
    line = readCommandLine(argv)
  } catch (error) {
    io.stderr.write(`${errorMessage(error)}\n`)
    return 2
  }
  if (line.version) {
    io.stdout.write(`${cliVersion()}\n`)
    return 0
  }
  if (line.command === 'help') {
    io.stdout.write(helpText(line.helpTopic))
    return 0
  }
  const { main } = await import('./main')
  return main(argv, io)
}
