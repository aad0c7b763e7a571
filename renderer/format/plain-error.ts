import type { ErrorData } from '../../shared/errors'
import type { ModelKind } from '../../shared/model-download'

/** A failure the user can act on: what happened in plain words, and the next step. */
export interface PlainFailure {
  text: string
  next: string
}

const OFFLINE = /fetch failed|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|network|getaddrinfo|could not reach|socket hang up|timed? ?out/i

/** Engine wording ("Could not reach the model host https://huggingface.co/: fetch failed …") made readable. */
export function plainModelFailure(kind: ModelKind, message: string): PlainFailure {
  const what = kind === 'chat' ? 'the answer model' : 'the search model'
  if (OFFLINE.test(message)) {
    return {
      text: `Could not download ${what}: this computer seems to be offline, or the download site cannot be reached.`,
      next: kind === 'chat' ? 'Keyword search and passage answers work now; download later, or use your gateway.' : 'Keyword search works now; download later.',
    }
  }
  if (/ENOSPC|no space|disk full/i.test(message)) {
    return { text: `Could not download ${what}: the disk is full.`, next: 'Free some space, then try again.' }
  }
  if (/checksum|hash|corrupt|incomplete|not a (complete )?gguf/i.test(message)) {
    return { text: `The download of ${what} was damaged.`, next: 'Try again; the damaged file was set aside.' }
  }
  if (/\b(401|403|unauthori[sz]ed|forbidden)\b/i.test(message)) {
    return { text: `The download site refused ${what}.`, next: 'Check the model name in Settings, or use your gateway.' }
  }
  if (/\b404\b|not found/i.test(message)) {
    return { text: `${capitalise(what)} was not found at the download site.`, next: 'Check the model name in Settings.' }
  }
  return { text: `Could not get ${what}.`, next: 'Try again later, or use your gateway.' }
}

/** An answer's error in plain words, without nested parentheses or raw stack text. */
export function plainAnswerError(error: ErrorData): string {
  const message = error.message.replace(/\(+/g, '(').replace(/\)+/g, ')').trim()
  if (OFFLINE.test(message)) return 'The answer model could not be reached, so these are the matching passages.'
  return message
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
