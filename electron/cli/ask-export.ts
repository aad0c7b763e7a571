import fs from 'node:fs/promises'
import path from 'node:path'
import type { AnswerEnd } from '../../shared/answer'
import { BrainError, errorMessage } from '../../shared/errors'
import { answerToMarkdown } from '../../shared/markdown-export'
import type { CliIo } from './main'
import type { CliInvocation } from './parse-cli-args'

/** `ask --format markdown`: the question, the answer and its citations as one markdown document. */
export function askMarkdown(invocation: CliInvocation, answer: AnswerEnd): string {
  return answerToMarkdown(invocation.argument ?? '', answer)
}

/** Writes `text` to `--output FILE` (atomically: a crash never leaves half a file) or to stdout. */
export async function writeCommandOutput(invocation: CliInvocation, text: string, io: CliIo): Promise<void> {
  if (!invocation.output) {
    io.stdout.write(text)
    return
  }
  const target = invocation.output
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`)
  try {
    await fs.writeFile(temp, text)
    await fs.rename(temp, target)
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined)
    throw new BrainError('invalid-input', `Cannot write ${target}: ${errorMessage(error)}`, { cause: error, details: { path: target } })
  }
  io.stderr.write(`Wrote ${target}\n`)
}
