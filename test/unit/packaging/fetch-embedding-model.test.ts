import { createHash } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
// @ts-expect-error: a plain .mjs packaging script without type declarations
import { fetchEmbeddingModel, MODEL_FILES, parseArguments } from '../../../resources/fetch-embedding-model.mjs'

const MODEL = 'Xenova/tiny-test'
const COMMIT = 'c'.repeat(40)
const contents: Record<string, Buffer> = {
  'config.json': Buffer.from('{"model_type":"bert"}'),
  'tokenizer.json': Buffer.from('{"model":{"type":"WordPiece"}}'),
  'tokenizer_config.json': Buffer.from('{}'),
  'special_tokens_map.json': Buffer.from('{"cls_token":"[CLS]"}'),
  'onnx/model_quantized.onnx': Buffer.from(Array.from({ length: 4096 }, (_, n) => (n * 31) % 251)),
}
const sha256 = (buffer: Buffer) => createHash('sha256').update(buffer).digest('hex')
const gitSha1 = (buffer: Buffer) => createHash('sha1').update(`blob ${buffer.length}\0`).update(buffer).digest('hex')

/** What the hub serves now; tests tamper with it. */
let served: Record<string, Buffer>
let server: http.Server
let host: string
let work: string

beforeAll(async () => {
  // A small stand-in for the hub's API: revision → commit, tree listings with LFS sha256 / git oids, resolve.
  server = http.createServer((request, response) => {
    const url = new URL(request.url!, 'http://hub')
    const send = (status: number, body: string | Buffer) => {
      response.writeHead(status)
      response.end(body)
    }
    if (url.pathname === `/api/models/${MODEL}/revision/main`) return send(200, JSON.stringify({ sha: COMMIT }))
    const tree = url.pathname.match(new RegExp(`^/api/models/${MODEL}/tree/${COMMIT}(?:/(.*))?$`))
    if (tree) {
      const folder = tree[1] ?? ''
      const entries = Object.entries(contents)
        .filter(([file]) => path.posix.dirname(file) === (folder || '.'))
        .map(([file, buffer]) =>
          file.endsWith('.onnx')
            ? { type: 'file', path: file, size: 134, oid: 'pointer', lfs: { oid: sha256(buffer), size: buffer.length } }
            : { type: 'file', path: file, size: buffer.length, oid: gitSha1(buffer) },
        )
      return send(200, JSON.stringify(entries))
    }
    const resolve = url.pathname.match(new RegExp(`^/${MODEL}/resolve/${COMMIT}/(.+)$`))
    if (resolve && served[resolve[1]!]) return send(200, served[resolve[1]!]!)
    send(404, 'not found')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
})

beforeEach(() => {
  served = { ...contents }
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'notes-rag-fetch-model-'))
})

const quiet = () => {}

function options(extra: string[] = []) {
  return parseArguments(['--model', MODEL, '--host', host, '--out', path.join(work, 'models'), '--lock', path.join(work, 'lock.json'), ...extra])
}

describe('fetch-embedding-model', () => {
  it('pins a revision with --update-lock, verifying against the hub hashes, then installs from the lock', async () => {
    const pinned = await fetchEmbeddingModel(options(['--update-lock']), undefined, quiet)
    expect(pinned.commit).toBe(COMMIT)
    const lock = JSON.parse(fs.readFileSync(path.join(work, 'lock.json'), 'utf8'))
    for (const file of MODEL_FILES as string[]) {
      expect(lock.files[file]).toEqual({ size: contents[file]!.length, sha256: sha256(contents[file]!) })
      expect(fs.readFileSync(path.join(work, 'models', 'Xenova', 'tiny-test', file)).equals(contents[file]!)).toBe(true)
    }
    fs.rmSync(path.join(work, 'models'), { recursive: true })
    await fetchEmbeddingModel(options(), undefined, quiet)
    expect(fs.existsSync(path.join(work, 'models', 'Xenova', 'tiny-test', 'onnx', 'model_quantized.onnx'))).toBe(true)
  })

  it('refuses a file whose bytes changed, leaving the installed model untouched', async () => {
    await fetchEmbeddingModel(options(['--update-lock']), undefined, quiet)
    const installed = path.join(work, 'models', 'Xenova', 'tiny-test', 'onnx', 'model_quantized.onnx')
    const tampered = Buffer.from(contents['onnx/model_quantized.onnx']!)
    tampered[100] ^= 0xff
    served['onnx/model_quantized.onnx'] = tampered
    await expect(fetchEmbeddingModel(options(), undefined, quiet)).rejects.toThrow(/sha256 mismatch/)
    expect(fs.readFileSync(installed).equals(contents['onnx/model_quantized.onnx']!)).toBe(true)
    expect(fs.readdirSync(path.join(work, 'models', 'Xenova')).filter((name) => name.includes('partial'))).toEqual([])
  })

  it('refuses a small file that does not match the hub git hash when pinning', async () => {
    served['tokenizer.json'] = Buffer.from('{"model":{"type":"BPE"}}')
    await expect(fetchEmbeddingModel(options(['--update-lock']), undefined, quiet)).rejects.toThrow(/tokenizer.json: (size|git blob)/)
    expect(fs.existsSync(path.join(work, 'lock.json'))).toBe(false)
  })

  it('--pin-if-missing pins on a fresh checkout, then verifies against that lock like a plain run', async () => {
    await fetchEmbeddingModel(options(['--pin-if-missing']), undefined, quiet)
    const lock = JSON.parse(fs.readFileSync(path.join(work, 'lock.json'), 'utf8'))
    expect(lock.commit).toBe(COMMIT)
    // With a lock present it no longer re-pins: a file changed on the hub is refused.
    const tampered = Buffer.from(contents['onnx/model_quantized.onnx']!)
    tampered[7] ^= 0xff
    served['onnx/model_quantized.onnx'] = tampered
    await expect(fetchEmbeddingModel(options(['--pin-if-missing']), undefined, quiet)).rejects.toThrow(/sha256 mismatch/)
    expect(JSON.parse(fs.readFileSync(path.join(work, 'lock.json'), 'utf8'))).toEqual(lock)
  })

  it('needs a lock (or --update-lock) and rejects unknown arguments', async () => {
    await expect(fetchEmbeddingModel(options(), undefined, quiet)).rejects.toThrow(/--update-lock/)
    expect(() => parseArguments(['--nope'])).toThrow(/Unknown argument/)
  })
})
