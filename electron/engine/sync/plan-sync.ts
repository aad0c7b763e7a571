import type { ManifestEntry } from '../../../shared/sync-protocol'

/** A file of the local index as the planner sees it. */
export interface LocalSyncFile {
  path: string
  sha256: string
  /** Only `indexed` files are sent; `pending` ones wait (and keep their server copy); `failed` ones count as gone. */
  status: 'indexed' | 'pending' | 'failed'
  chunkCount: number
  chunksSha256: string
}

/** What a pass must do to make the server equal the local index. */
export interface SyncPlanDraft {
  upserts: LocalSyncFile[]
  deletes: string[]
  moves: Array<{ from: string; to: string; file: LocalSyncFile }>
  /** Local paths matched by `sync.exclude`. */
  excluded: string[]
  /** Local paths still being indexed: neither sent nor deleted this pass. */
  waiting: string[]
}

export interface PlanInput {
  local: Iterable<LocalSyncFile>
  remote: ReadonlyMap<string, ManifestEntry>
  isExcluded: (path: string) => boolean
  /** embedding.key of the active local model; null when vectors are not available (text-only sync). */
  embeddingKey: string | null
}

/** Compares the local index with the server manifest. Pure, deterministic (everything sorted by path). */
export function planSync(input: PlanInput): SyncPlanDraft {
  const upserts: LocalSyncFile[] = []
  const excluded: string[] = []
  const waiting: string[] = []
  const keep = new Set<string>()
  for (const file of [...input.local].sort(byPath)) {
    if (input.isExcluded(file.path)) {
      excluded.push(file.path)
      continue
    }
    if (file.status === 'failed') continue
    keep.add(file.path)
    if (file.status === 'pending') {
      waiting.push(file.path)
      continue
    }
    const remote = input.remote.get(file.path)
    if (!remote || !isCurrent(remote, file, input.embeddingKey)) upserts.push(file)
  }

  const deleteCandidates = [...input.remote.keys()].filter((path) => !keep.has(path)).sort()
  // A deleted path whose stored copy is exactly what a new path needs is a rename: move it instead of re-uploading.
  const sources = new Map<string, string[]>()
  for (const path of deleteCandidates) {
    const entry = input.remote.get(path)!
    const key = contentKey(entry.sha256, entry.chunksSha256, entry.chunkCount)
    const list = sources.get(key)
    if (list) list.push(path)
    else sources.set(key, [path])
  }
  const moves: SyncPlanDraft['moves'] = []
  const moved = new Set<string>()
  const remainingUpserts: LocalSyncFile[] = []
  for (const file of upserts) {
    const list = sources.get(contentKey(file.sha256, file.chunksSha256, file.chunkCount))
    const from = list?.find((path) => !moved.has(path) && vectorsUsable(input.remote.get(path)!, input.embeddingKey))
    if (from === undefined) {
      remainingUpserts.push(file)
      continue
    }
    moved.add(from)
    moves.push({ from, to: file.path, file })
  }
  return {
    upserts: remainingUpserts,
    deletes: deleteCandidates.filter((path) => !moved.has(path)),
    moves,
    excluded,
    waiting,
  }
}

/** Whether the server's copy is exactly the local one (vectors included when the client has any). */
export function isCurrent(remote: ManifestEntry, file: LocalSyncFile, embeddingKey: string | null): boolean {
  return (
    remote.sha256 === file.sha256 &&
    remote.chunkCount === file.chunkCount &&
    remote.chunksSha256 === file.chunksSha256 &&
    vectorsUsable(remote, embeddingKey)
  )
}

// Without a local model (text-only sync) any stored vectors are kept: re-sending text would only lose them.
function vectorsUsable(remote: ManifestEntry, embeddingKey: string | null): boolean {
  return embeddingKey === null || remote.embeddingKey === embeddingKey
}

function contentKey(sha256: string, chunksSha256: string, chunkCount: number): string {
  return `${sha256}:${chunksSha256}:${chunkCount}`
}

function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0
}
