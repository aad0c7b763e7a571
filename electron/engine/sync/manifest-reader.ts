import { BrainError } from '../../../shared/errors'
import type { ManifestEntry } from '../../../shared/sync-protocol'
import { type PassContext, retryInPass } from './sync-pass-context'

/** A listing is retried this often when the server's revision changes between its pages. */
const MAX_LISTINGS = 3

/**
 * The full server manifest, page by page at one revision (the cached copy when the server answers 304), stored as
 * the last known server state. Also lowers the pass's batch size to the server's advertised limit.
 */
export async function fetchManifest(context: PassContext, options: { pageSize: number; maxAttempts?: number }): Promise<Map<string, ManifestEntry>> {
  const { repository, client, signal } = context
  const baseUrl = context.config.baseUrl.href
  const retry = <T>(run: () => Promise<T>) => retryInPass(context, run, options.maxAttempts)
  const limit = options.pageSize
  const info = repository.remoteInfo()
  const cachedRevision = info && info.baseUrl === baseUrl ? info.revision : null
  for (let listing = 0; listing < MAX_LISTINGS; listing += 1) {
    const first = await retry(() => client.manifestPage({ limit, ifRevision: listing === 0 ? cachedRevision : null }, signal))
    if (first.notModified) {
      applyServerLimit(context, info?.maxBatchBytes ?? null)
      repository.setRemoteInfo({ ...info!, fetchedAt: new Date().toISOString() })
      return repository.remoteFiles()
    }
    const revision = first.page.revision
    const entries = new Map<string, ManifestEntry>()
    let page = first.page
    let consistent = true
    for (;;) {
      for (const entry of page.files) entries.set(entry.path, entry)
      if (page.nextCursor === null) break
      const cursor = page.nextCursor
      const next = await retry(() => client.manifestPage({ cursor, limit }, signal))
      if (next.notModified) throw new BrainError('sync-failed', 'The gateway answered 304 to a manifest page without If-None-Match.')
      page = next.page
      if (page.revision !== revision) {
        consistent = false
        break
      }
    }
    if (!consistent) continue
    repository.replaceRemoteFiles(entries.values())
    repository.setRemoteInfo({ baseUrl, revision, fetchedAt: new Date().toISOString(), maxBatchBytes: first.page.limits.maxBatchBytes })
    applyServerLimit(context, first.page.limits.maxBatchBytes)
    return entries
  }
  throw new BrainError('sync-failed', 'The server manifest kept changing while it was listed.', { retryable: true })
}

function applyServerLimit(context: PassContext, serverLimit: number | null): void {
  if (serverLimit !== null) context.maxBatchBytes = Math.min(context.config.settings.sync.maxBatchBytes, serverLimit)
}
