#!/usr/bin/env node
// Fetches the default embedding model into resources/models/<org>/<name>/ for electron-builder's
// extraResources, verifying every file. Run at packaging time (needs the hub), never at install or test time:
//
//   node resources/fetch-embedding-model.mjs                 # verify against resources/embedding-model.lock.json
//   node resources/fetch-embedding-model.mjs --pin-if-missing # as above, pinning first when there is no lock yet
//   node resources/fetch-embedding-model.mjs --update-lock   # pin a revision: resolve it, verify against the hub's
//                                                            # own hashes (LFS sha256, git blob sha1), write the lock
// Options: --model <id> --revision <rev> --host <url> --out <dir> --lock <file>
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))

/** The files Transformers.js needs for a quantized feature-extraction model. */
export const MODEL_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'onnx/model_quantized.onnx']

export const DEFAULTS = {
  model: 'Xenova/bge-small-en-v1.5',
  revision: 'main',
  host: 'https://huggingface.co',
  out: path.join(here, 'models'),
  lock: path.join(here, 'embedding-model.lock.json'),
}

export function parseArguments(argv) {
  const options = { ...DEFAULTS, updateLock: false, pinIfMissing: false }
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index]
    if (flag === '--update-lock') options.updateLock = true
    // For `npm run dist` on a fresh checkout: with no lock yet, pin the revision now (verified against the hub's own
    // hashes) and write the lock, which later runs verify against.
    else if (flag === '--pin-if-missing') options.pinIfMissing = true
    else if (['--model', '--revision', '--host', '--out', '--lock'].includes(flag) && argv[index + 1]) options[flag.slice(2)] = argv[++index]
    else throw new Error(`Unknown argument: ${flag}`)
  }
  return options
}

const sha256 = (buffer) => createHash('sha256').update(buffer).digest('hex')
/** Git's object id of a blob: what the hub reports as `oid` for files not stored in LFS. */
const gitBlobSha1 = (buffer) => createHash('sha1').update(`blob ${buffer.length}\0`).update(buffer).digest('hex')

async function fetchOk(url, signal) {
  const response = await fetch(url, { signal, redirect: 'follow' })
  if (!response.ok) throw new Error(`GET ${url} → HTTP ${response.status}`)
  return response
}

/** The commit a revision points at, and the hub's record (size and hash) of each file in it. */
async function hubManifest({ host, model, revision }, signal) {
  const base = host.replace(/\/+$/, '')
  const info = await (await fetchOk(`${base}/api/models/${model}/revision/${encodeURIComponent(revision)}`, signal)).json()
  if (!/^[0-9a-f]{40}$/.test(info.sha ?? '')) throw new Error(`The hub did not return a commit for ${model}@${revision}`)
  const entries = []
  for (const folder of ['', 'onnx']) {
    const url = `${base}/api/models/${model}/tree/${info.sha}${folder ? `/${folder}` : ''}`
    entries.push(...(await (await fetchOk(url, signal)).json()))
  }
  const files = {}
  for (const file of MODEL_FILES) {
    const entry = entries.find((candidate) => candidate.path === file && candidate.type === 'file')
    if (!entry) throw new Error(`${model}@${info.sha} has no ${file}`)
    files[file] = entry.lfs ? { size: entry.lfs.size, sha256: entry.lfs.oid } : { size: entry.size, gitSha1: entry.oid }
  }
  return { commit: info.sha, files }
}

function verify(file, buffer, expected) {
  if (expected.size !== undefined && buffer.length !== expected.size) throw new Error(`${file}: size ${buffer.length}, expected ${expected.size}`)
  if (expected.sha256 && sha256(buffer) !== expected.sha256) throw new Error(`${file}: sha256 mismatch (expected ${expected.sha256})`)
  if (expected.gitSha1 && gitBlobSha1(buffer) !== expected.gitSha1) throw new Error(`${file}: git blob hash mismatch (expected ${expected.gitSha1})`)
}

/** Downloads, verifies and installs the model; returns the lock it verified against. */
export async function fetchEmbeddingModel(options, signal, log = console.log) {
  if (options.pinIfMissing && !options.updateLock && !fs.existsSync(options.lock)) {
    log(`No ${path.basename(options.lock)} yet: pinning ${options.model}@${options.revision} against the hub's hashes`)
    options = { ...options, updateLock: true }
  }
  let lock = null
  if (!options.updateLock) {
    if (!fs.existsSync(options.lock)) throw new Error(`No lock file at ${options.lock}: run once with --update-lock to pin a revision`)
    lock = JSON.parse(fs.readFileSync(options.lock, 'utf8'))
    if (lock.model !== options.model) throw new Error(`The lock pins ${lock.model}, not ${options.model}`)
  } else {
    const manifest = await hubManifest(options, signal)
    lock = { model: options.model, commit: manifest.commit, files: manifest.files }
  }

  const target = path.join(options.out, ...options.model.split('/'))
  const staging = `${target}.partial-${process.pid}`
  fs.rmSync(staging, { recursive: true, force: true })
  const pinned = {}
  try {
    for (const file of MODEL_FILES) {
      const expected = lock.files[file]
      if (!expected) throw new Error(`The lock has no entry for ${file}`)
      const url = `${options.host.replace(/\/+$/, '')}/${options.model}/resolve/${lock.commit}/${file}`
      const buffer = Buffer.from(await (await fetchOk(url, signal)).arrayBuffer())
      verify(file, buffer, expected)
      pinned[file] = { size: buffer.length, sha256: sha256(buffer) }
      fs.mkdirSync(path.dirname(path.join(staging, file)), { recursive: true })
      fs.writeFileSync(path.join(staging, file), buffer)
      log(`✓ ${file} (${buffer.length} bytes)`)
    }
    // Only a fully verified folder replaces the old one.
    fs.rmSync(target, { recursive: true, force: true })
    fs.mkdirSync(path.dirname(target), { recursive: true })
    fs.renameSync(staging, target)
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true })
    throw error
  }
  const written = { model: options.model, commit: lock.commit, files: pinned }
  if (options.updateLock) fs.writeFileSync(options.lock, `${JSON.stringify(written, null, 2)}\n`)
  return written
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  fetchEmbeddingModel(parseArguments(process.argv.slice(2))).then(
    (lock) => console.log(`${lock.model}@${lock.commit} ready`),
    (error) => {
      console.error(`fetch-embedding-model: ${error.message}`)
      process.exit(1)
    },
  )
}
