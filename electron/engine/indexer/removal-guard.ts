import fs from 'node:fs/promises'
import type { HeldRemovals, SuspectReason } from '../../../shared/index-status'
import type { MetaStore } from '../store/meta-store'

/** The folder as the file system knows it: a new inode or device at the same path is another folder. */
export interface FolderIdentity {
  folder: string
  dev: number
  ino: number
}

/** When a pass's removals count as "many at once". */
export interface RemovalGuardOptions {
  /** Share of the indexed notes above which removals are held (0.2 = a fifth). */
  share: number
  /** Removals up to this many are always applied, whatever the share (a small folder's clean-up). */
  minFiles: number
}

export const DEFAULT_REMOVAL_GUARD: RemovalGuardOptions = { share: 0.2, minFiles: 10 }

const HELD_KEY = 'heldRemovals'
const IDENTITY_KEY = 'folderIdentity'
const EXAMPLES = 5

export async function readFolderIdentity(folder: string): Promise<FolderIdentity> {
  const stat = await fs.stat(folder)
  return { folder, dev: stat.dev, ino: stat.ino }
}

/**
 * Why these removals should be held, or null to apply them. An unmounted drive's mount point, a cloud placeholder
 * or a restore in progress all look like an empty or different folder at the same path; deleting the index (and,
 * through sync, the gateway's copy) for that would be wrong, so it becomes a question for the user.
 */
export function judgeRemovals(input: {
  removals: number
  indexedFiles: number
  filesOnDisk: number
  identityChanged: boolean
  guard: RemovalGuardOptions
}): SuspectReason | null {
  const { removals, indexedFiles, filesOnDisk, identityChanged, guard } = input
  if (removals === 0) return null
  if (filesOnDisk === 0 && indexedFiles > 0) return 'folder-empty'
  if (identityChanged) return 'folder-replaced'
  if (removals > Math.max(guard.minFiles, guard.share * indexedFiles)) return 'mass-removal'
  return null
}

/** The held removals and the last confirmed folder identity, kept in SQLite so every process (CLI, app) sees them. */
export class RemovalGuardState {
  constructor(private readonly meta: MetaStore) {}

  held(): HeldRemovals | null {
    return this.meta.state.get<HeldRemovals>(HELD_KEY)
  }

  hold(reason: SuspectReason, paths: string[], indexedFiles: number, removals = paths.length): HeldRemovals {
    const held: HeldRemovals = { reason, removals, indexedFiles, examples: paths.slice(0, EXAMPLES), at: new Date().toISOString() }
    this.meta.state.set(HELD_KEY, held)
    return held
  }

  clear(): void {
    this.meta.state.delete(HELD_KEY)
  }

  /** True when the folder at this path is not the one the index was last confirmed against. */
  identityChanged(current: FolderIdentity): boolean {
    const known = this.meta.state.get<FolderIdentity>(IDENTITY_KEY)
    return known !== null && known.folder === current.folder && (known.dev !== current.dev || known.ino !== current.ino)
  }

  confirmIdentity(current: FolderIdentity): void {
    this.meta.state.set(IDENTITY_KEY, current)
  }
}
