import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Queryable } from '../db/database'
import { BrainError } from '../../shared/errors'

/** A user of the service, as the request handlers see it. */
export interface ServiceUser {
  id: number
  name: string
  revision: number
  /** The server-side embedding model of this user's index (hub id or folder), once known. */
  indexModel: string | null
  indexModelId: string | null
  indexDimensions: number | null
  indexFingerprint: number[] | null
}

const TOKEN_PREFIX = 'nrs_'

/** Tokens are 32 random bytes, so one SHA-256 is enough: there is nothing to brute-force a dictionary against. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

export function newToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url')
}

interface UserRow {
  id: number
  name: string
  revision: string | number
  index_model: string | null
  index_model_id: string | null
  index_dimensions: number | null
  index_fingerprint: number[] | null
}

export function toUser(raw: UserRow | Record<string, unknown>): ServiceUser {
  const row = raw as UserRow
  return {
    id: row.id,
    name: row.name,
    revision: Number(row.revision),
    indexModel: row.index_model,
    indexModelId: row.index_model_id,
    indexDimensions: row.index_dimensions,
    indexFingerprint: row.index_fingerprint ? row.index_fingerprint.map(Number) : null,
  }
}

export const USER_COLUMNS = 'id, name, revision, index_model, index_model_id, index_dimensions, index_fingerprint'

/** Creates a user (or gives an existing one a new token); returns the token, which is shown once and never stored. */
export async function createUser(db: Queryable, name: string, options: { token?: string; indexModel?: string | null } = {}): Promise<{ user: ServiceUser; token: string }> {
  if (!/^[A-Za-z0-9][\w.@-]{0,63}$/.test(name)) throw new BrainError('invalid-input', `User names are 1-64 letters, digits, ".", "_", "-" or "@"; got ${JSON.stringify(name)}.`)
  const token = options.token ?? newToken()
  if (token.length < 16) throw new BrainError('invalid-input', 'A token must have at least 16 characters.')
  const { rows } = await db.query<UserRow>(
    `INSERT INTO users (name, token_hash, index_model) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO UPDATE SET token_hash = EXCLUDED.token_hash, index_model = COALESCE(EXCLUDED.index_model, users.index_model)
     RETURNING ${USER_COLUMNS}`,
    [name, hashToken(token), options.indexModel ?? null],
  )
  return { user: toUser(rows[0]), token }
}

/** The user a bearer token belongs to, or null. The lookup is by hash; the final compare is constant-time. */
export async function userForToken(db: Queryable, token: string): Promise<ServiceUser | null> {
  const hash = hashToken(token)
  const { rows } = await db.query<UserRow & { token_hash: string }>(`SELECT ${USER_COLUMNS}, token_hash FROM users WHERE token_hash = $1`, [hash])
  const row = rows[0]
  if (!row || !timingSafeEqual(Buffer.from(row.token_hash), Buffer.from(hash))) return null
  return toUser(row)
}

export async function listUsers(db: Queryable): Promise<ServiceUser[]> {
  const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users ORDER BY name`)
  return rows.map(toUser)
}

export async function deleteUser(db: Queryable, name: string): Promise<boolean> {
  const { rows } = await db.query('DELETE FROM users WHERE name = $1 RETURNING id', [name])
  return rows.length > 0
}
