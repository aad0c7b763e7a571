import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { NotePeriod } from '../../../../shared/period'
import type { ChunkDraft } from '../../../../electron/engine/chunker/types'
import type { FileInput } from '../../../../electron/engine/store/meta-store'

/** A fresh temp folder and its removal. */
export function makeTempFolder(prefix: string): { folder: string; remove: () => void } {
  const folder = mkdtempSync(join(tmpdir(), `notes-rag-${prefix}-`))
  return { folder, remove: () => rmSync(folder, { recursive: true, force: true }) }
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** A chunk the way the chunker makes one: id from path, position and text; hash from the embedded text. */
export function draft(path: string, ordinal: number, text: string, headings: string[] = []): ChunkDraft {
  const headingPath = [path.replace(/\.md$/, ''), ...headings]
  const embedText = `${headingPath.join(' > ')}\n${text}`
  return {
    id: sha256(`${path}\u0000${ordinal}\u0000${text}`).slice(0, 24),
    ordinal,
    headingPath,
    startLine: ordinal * 10 + 1,
    endLine: ordinal * 10 + 5,
    text,
    embedText,
    contentHash: sha256(embedText),
  }
}

export function week(start: string, end: string, source: NotePeriod['source'] = 'file-name'): NotePeriod {
  return { start, end, source, inferred: source === 'mtime' }
}

export function fileInput(path: string, period: NotePeriod, content = path): FileInput {
  return { path, size: content.length, mtimeMs: 1_700_000_000_000, sha256: sha256(content), period, label: path.replace(/\.md$/, '') }
}
