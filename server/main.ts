import { createUser, deleteUser, listUsers } from './auth/user-store'
import { ConfigError, loadConfig } from './config'
import { migrate } from './db/migrations'
import { NotesRagService, openDatabase } from './notes-rag-service'
import { errorMessage } from '../shared/errors'

const USAGE = `notes-rag-server: the homelab side of notes-rag (sync receiver + OpenAI-compatible answers over the notes)

Usage:
  notes-rag-server [serve] [--config file.json]      start the service
  notes-rag-server add-user <name> [--model <id>]     create a user (or give it a new token); prints the token once
  notes-rag-server list-users
  notes-rag-server remove-user <name>                 delete a user and everything synced for them

Configuration: a JSON file (--config or NOTES_RAG_SERVER_CONFIG), then NOTES_RAG_SERVER_* environment variables.
See the README section "Homelab service".`

/** The command line; returns the exit code (0 ok, 1 failure, 2 bad usage or configuration). */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const args = [...argv]
  const option = (name: string): string | null => {
    const index = args.indexOf(name)
    if (index < 0) return null
    const value = args[index + 1]
    if (value === undefined || value.startsWith('--')) throw new ConfigError(`${name} needs a value.`)
    args.splice(index, 2)
    return value
  }
  try {
    if (args.includes('--help') || args.includes('-h')) {
      console.log(USAGE)
      return 0
    }
    const configFile = option('--config')
    const model = option('--model')
    const config = loadConfig(env, configFile ?? env.NOTES_RAG_SERVER_CONFIG ?? null)
    const [command = 'serve', name] = args
    if (command === 'serve') return await serve(config)
    if (!['add-user', 'list-users', 'remove-user'].includes(command)) {
      console.error(`Unknown command ${command}.\n\n${USAGE}`)
      return 2
    }
    if (command !== 'list-users' && !name) {
      console.error(`${command} needs a user name.`)
      return 2
    }
    const db = await openDatabase(config)
    try {
      await migrate(db)
      if (command === 'add-user') {
        const { user, token } = await createUser(db, name!, { indexModel: model })
        console.log(`User ${user.name} can sync and ask with this token (shown once, stored only as a hash):\n${token}`)
      } else if (command === 'list-users') {
        for (const user of await listUsers(db)) console.log(`${user.name}\trevision ${user.revision}\tmodel ${user.indexModel ?? '-'}`)
      } else if (!(await deleteUser(db, name!))) {
        console.error(`No user ${name}.`)
        return 1
      } else console.log(`Removed ${name} and their notes.`)
      return 0
    } finally {
      await db.close()
    }
  } catch (error) {
    console.error(errorMessage(error))
    return error instanceof ConfigError ? 2 : 1
  }
}

async function serve(config: Parameters<typeof NotesRagService.open>[0]['config']): Promise<number> {
  const service = await NotesRagService.open({ config, processMetrics: true })
  const url = await service.listen()
  if (!config.chat.small) console.log('No upstream model is configured: sync works, chat answers 503 until chat.small is set.')
  console.log(`notes-rag-server listening on ${url} (database: ${service.db.kind}${config.database.url ? '' : ` in ${config.database.dataDir ?? 'memory'}`})`)
  await new Promise<void>((resolve) => {
    const stop = () => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  await service.close()
  return 0
}
