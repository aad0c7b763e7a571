import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTempDir, writeFiles } from '../../support/temp-dir'
import { startHubServer, type HubServer } from '../../support/hub-server'
import { ensureTinyEmbeddingModel, TINY_EMBEDDING_MODEL_ID } from '../../support/tiny-embedding-model'
import { expectConsistentIndex, runCli, weeklyLogs } from './safety-harness'

// A corrupt settings.json under local-only, with the real CLI in its own process: the privacy choice survives, the
// user is told, nothing goes to the network (the model host below counts every request), and the index is whole.

let hub: HubServer
const temps: Array<() => void> = []

beforeAll(async () => {
  const model = await ensureTinyEmbeddingModel()
  hub = await startHubServer(model.modelsDir)
})
afterAll(async () => {
  await hub?.close()
  temps.forEach((cleanup) => cleanup())
})

function workspace() {
  const temp = makeTempDir('notes-rag-fault-settings-')
  temps.push(temp.cleanup)
  const folder = path.join(temp.dir, 'notes')
  fs.mkdirSync(folder)
  writeFiles(folder, weeklyLogs(6))
  const dataDir = path.join(temp.dir, 'data')
  fs.mkdirSync(dataDir)
  return { folder, dataDir, settingsFile: path.join(dataDir, 'settings.json') }
}

/** Settings that point the embedding model at the counting hub, not yet installed in this data dir. */
function settingsText(policy: string, folder: string, broken: 'invalid-field' | 'none'): string {
  return JSON.stringify(
    {
      version: 1,
      folder,
      routing: { policy },
      embedding: { model: TINY_EMBEDDING_MODEL_ID, remoteHost: hub.url, allowDownload: true },
      sync: { enabled: true, exclude: ['private/**'] },
      // A value no schema accepts: what a hand edit or another tool leaves behind.
      indexing: broken === 'invalid-field' ? { maxFileBytes: -1 } : {},
    },
    null,
    2,
  )
}

describe('fault: a corrupt settings.json under local-only', () => {
  it('keeps local-only, tells the user, downloads nothing, and indexes by keyword', async () => {
    const { folder, dataDir, settingsFile } = workspace()
    fs.writeFileSync(settingsFile, settingsText('local-only', folder, 'invalid-field'))
    const before = hub.requests.length

    const run = await runCli(['index', folder, '--data-dir', dataDir])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toMatch(/warning: settings\.json could not be used/)
    expect(run.stderr).toMatch(/Routing stays local-only/)
    expect(run.stdout).toMatch(/local-only forbids downloading it; keyword search works/)
    expect(hub.requests.slice(before)).toEqual([])

    const saved = JSON.parse(fs.readFileSync(settingsFile, 'utf8'))
    expect(saved.routing.policy).toBe('local-only')
    expect(saved.folder).toBe(folder)
    expect(saved.sync).toMatchObject({ enabled: true, exclude: ['private/**'] })
    const kept = fs.readdirSync(dataDir).filter((name) => name.startsWith('settings.json.invalid-'))
    expect(kept).toHaveLength(1)
    expect(fs.readFileSync(path.join(dataDir, kept[0]!), 'utf8')).toContain('"maxFileBytes": -1')

    const status = await runCli(['status', '--json', '--data-dir', dataDir])
    expect(JSON.parse(status.stdout).embedding).toMatchObject({ type: 'unavailable', code: 'model-missing' })
    expect(hub.requests.slice(before)).toEqual([])
    const counts = await expectConsistentIndex(dataDir, folder)
    expect(counts.files).toBe(6)
  })

  it('a truncated file whose policy is lost falls back to local-only, not auto, and keeps the folder', async () => {
    const { folder, dataDir, settingsFile } = workspace()
    const full = settingsText('prefer-gateway', folder, 'none')
    // Cut before the policy: what a crash during a non-atomic save by another tool leaves.
    fs.writeFileSync(settingsFile, full.slice(0, full.indexOf('"routing"')))
    const run = await runCli(['status', '--json', '--data-dir', dataDir])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toMatch(/answers stay on this computer \(local-only\)/)
    const status = JSON.parse(run.stdout)
    expect(status.folder).toBe(folder)
    expect(status.settingsNotice).toMatch(/Recovered: folder/)
    const saved = JSON.parse(fs.readFileSync(settingsFile, 'utf8'))
    expect(saved.routing.policy).toBe('local-only')
    expect(saved.sync.enabled).toBe(false)
  })

  it('control: the same valid settings under auto do fetch the model from the host', async () => {
    const { folder, dataDir, settingsFile } = workspace()
    fs.writeFileSync(settingsFile, settingsText('auto', folder, 'none'))
    const before = hub.requests.length
    const run = await runCli(['index', folder, '--data-dir', dataDir])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).not.toMatch(/warning/)
    expect(hub.requests.length).toBeGreaterThan(before)
    await expectConsistentIndex(dataDir, folder)
  })
})
