import { PGlite } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite/vector'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'
import { createUser, type ServiceUser } from '../../server/auth/user-store'
import { parseConfig, type ServerConfigInput } from '../../server/config'
import { openPgliteDatabase } from '../../server/db/pglite-database'
import { NotesRagService } from '../../server/notes-rag-service'
import { startFakeGateway, type FakeGateway, type FakeGatewayOptions } from './fake-gateway'
import { ensureTinyEmbeddingModel, TINY_EMBEDDING_MODEL_ID } from './tiny-embedding-model'

export const TEST_USER_TOKEN = 'nrs_test-token-for-the-homelab-service'
/** The model id the desktop reports for the tiny model loaded from its folder (the folder's name). */
export const TINY_CLIENT_MODEL_ID = TINY_EMBEDDING_MODEL_ID.split('/').pop()!

/** Where the service keeps its data in a test: PGlite in memory or in a folder, or a real `pg` connection to PGlite over its socket. */
export type TestDatabase = { kind: 'memory' } | { kind: 'folder'; dataDir: string } | { kind: 'pg-socket' }

export interface TestService {
  service: NotesRagService
  /** Base URL including /v1. */
  url: string
  token: string
  user: ServiceUser
  upstream: FakeGateway
  /** The Postgres URL when the service goes through `pg`. */
  databaseUrl: string | null
  close(): Promise<void>
}

/** A reply that cites the first passage of the grounded prompt by number, quoting its first line (what a grounded model does). */
export function citingReply(body: { messages: Array<{ role: string; content: string }> }): string {
  const prompt = body.messages.find((message) => message.role === 'user')?.content ?? ''
  const passage = /^\[1\] [^\n]*\n([^\n]*)/m.exec(prompt)
  return passage ? `From your notes: ${passage[1].replace(/^[-#\s]+/, '')} [1]` : "I couldn't find that in your notes."
}

/**
 * The homelab service, started for real on 127.0.0.1:0 with the tiny embedding model mapped to the desktop's id,
 * an OpenAI-compatible upstream (the fake gateway: a real HTTP server streaming SSE) and one user.
 */
export async function startTestService(
  options: { database?: TestDatabase; config?: ServerConfigInput; upstream?: FakeGatewayOptions; now?: () => Date; embeddingModelDir?: string } = {},
): Promise<TestService> {
  const model = await ensureTinyEmbeddingModel()
  const upstream = await startFakeGateway({ token: 'upstream-key', models: ['small-model', 'large-model'], reply: citingReply, ...options.upstream })
  const database = options.database ?? { kind: 'memory' }
  let socket: { server: PGLiteSocketServer; pglite: PGlite } | null = null
  let databaseUrl: string | null = null
  if (database.kind === 'pg-socket') {
    const pglite = await PGlite.create({ extensions: { vector } })
    const server = new PGLiteSocketServer({ db: pglite, port: 0, host: '127.0.0.1' })
    await server.start()
    socket = { server, pglite }
    databaseUrl = `postgres://postgres:postgres@${server.getServerConn()}/postgres`
  }
  const input: ServerConfigInput = {
    ...options.config,
    host: '127.0.0.1',
    port: 0,
    database: {
      url: databaseUrl,
      dataDir: database.kind === 'folder' ? database.dataDir : null,
      maxConnections: 1,
      ...options.config?.database,
    },
    embedding: { modelsDir: model.modelsDir, aliases: { [TINY_CLIENT_MODEL_ID]: options.embeddingModelDir ?? model.modelDir }, threads: 1, ...options.config?.embedding },
    chat: {
      small: { baseUrl: upstream.url, apiKey: 'upstream-key', model: 'small-model', contextTokens: 4096, pricePerMillionInput: 1, pricePerMillionOutput: 2 },
      large: { baseUrl: upstream.url, apiKey: 'upstream-key', model: 'large-model', contextTokens: 32768, pricePerMillionInput: 5, pricePerMillionOutput: 10 },
      ...options.config?.chat,
    },
  }
  const config = parseConfig(input)
  const service = await NotesRagService.open({ config, now: options.now, database: database.kind === 'memory' ? await openPgliteDatabase(null) : undefined })
  const { user } = await createUser(service.db, 'alice', { token: TEST_USER_TOKEN })
  const url = await service.listen()
  let closed = false
  return {
    service,
    url,
    token: TEST_USER_TOKEN,
    user,
    upstream,
    databaseUrl,
    close: async () => {
      if (closed) return
      closed = true
      const db = database.kind === 'memory' ? service.db : null
      await service.close()
      await db?.close()
      await upstream.close()
      if (socket) {
        await socket.server.stop()
        await socket.pglite.close()
      }
    },
  }
}
