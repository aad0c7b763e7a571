import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { throwIfAborted } from '../../../shared/errors'
import { type ModelLocation, QUANTIZED_FILE } from './model-location'
import { convertToSignedInt8Weights } from './signed-int8-weights'

const STAMP_FILE = 'PREPARED.json'
/** Bumped when the conversion changes, so copies made by an older version are made again. */
const PREPARATION_VERSION = 1

interface Stamp {
  version: number
  /** The source file the copy was made from: a changed file (new download) is prepared again. */
  size: number
  mtimeMs: number
  /** False when the model had nothing to convert: remembered so it is not read again at every start. */
  converted: boolean
}

let vnniCache: boolean | null = null

/**
 * Whether this x86-64 CPU has the VNNI dot-product instructions (AVX512-VNNI or AVX-VNNI). Without them ONNX
 * Runtime's uint8 x int8 kernel can saturate 16-bit sums, so the conversion would not be exact: only with them is
 * it both faster and lossless. Linux reads /proc/cpuinfo, macOS sysctl; elsewhere (Windows, ARM) the model is
 * left as shipped.
 */
export function cpuHasVnni(): boolean {
  if (vnniCache !== null) return vnniCache
  vnniCache = false
  if (process.arch !== 'x64') return vnniCache
  try {
    if (process.platform === 'linux') {
      const flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1].split(/\s+/) ?? []
      vnniCache = flags.includes('avx512_vnni') || flags.includes('avx_vnni')
    } else if (process.platform === 'darwin') {
      const features = execFileSync('sysctl', ['-n', 'machdep.cpu.leaf7_features'], { encoding: 'utf8', timeout: 2000 })
      vnniCache = /\bAVX512VNNI\b/.test(features)
    }
  } catch {
    vnniCache = false
  }
  return vnniCache
}

/** Read synchronously, like the source's stat: a small local file, and no I/O wait before the worker starts. */
function readStamp(folder: string): Stamp | null {
  try {
    return JSON.parse(readFileSync(join(folder, STAMP_FILE), 'utf8')) as Stamp
  } catch {
    return null
  }
}

/** A folder name for a model id or path: readable, and distinct for distinct ids. */
function folderName(modelId: string): string {
  return modelId.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_')
}

export interface PreparedModel {
  /** What the worker loads: the prepared folder, or the location's own source when nothing was prepared. */
  source: string
  /** Whether the prepared folder (int8 weights for the VNNI kernels) is used. */
  signedInt8: boolean
}

/**
 * For an installed int8 model on a CPU with VNNI, a copy whose weights are int8 instead of uint8 (same vectors,
 * faster kernels), made once in `preparedDir` beside the user's models and reused while the source file is
 * unchanged. Any failure (a read-only folder, a full disk, an unexpected graph) keeps the model as shipped.
 */
export async function prepareModel(location: ModelLocation, preparedDir: string, signal?: AbortSignal): Promise<PreparedModel> {
  const asShipped: PreparedModel = { source: location.source, signedInt8: false }
  if (!location.installed || location.dtype !== 'q8' || !cpuHasVnni()) return asShipped
  const sourceFile = join(location.folder, QUANTIZED_FILE)
  const target = join(preparedDir, folderName(location.modelId))
  try {
    const source = statSync(sourceFile)
    const wanted = { version: PREPARATION_VERSION, size: source.size, mtimeMs: source.mtimeMs }
    const stamp = readStamp(target)
    if (stamp && stamp.version === wanted.version && stamp.size === wanted.size && stamp.mtimeMs === wanted.mtimeMs) {
      return stamp.converted ? { source: target, signedInt8: true } : asShipped
    }
    throwIfAborted(signal)
    const result = convertToSignedInt8Weights(new Uint8Array(await readFile(sourceFile)))
    throwIfAborted(signal)
    const staging = `${target}.staging-${process.pid}-${randomBytes(4).toString('hex')}`
    try {
      await mkdir(join(staging, 'onnx'), { recursive: true })
      if (result.converted > 0) {
        // The small files beside the weights (config, tokenizer), so the copy loads as a model folder of its own.
        for (const entry of await readdir(location.folder, { withFileTypes: true })) {
          if (entry.isFile()) await copyFile(join(location.folder, entry.name), join(staging, entry.name))
        }
        await writeFile(join(staging, QUANTIZED_FILE), result.bytes)
      } else {
        console.warn(`[embedder] ${location.modelId} keeps its uint8 weights: ${result.reason}`)
      }
      const stampText = JSON.stringify({ ...wanted, converted: result.converted > 0 } satisfies Stamp)
      await writeFile(join(staging, STAMP_FILE), stampText)
      await rm(target, { recursive: true, force: true })
      await rename(staging, target).catch(async (error: unknown) => {
        // Another process prepared the same model meanwhile: its copy is as good as this one.
        if (readStamp(target)?.version !== PREPARATION_VERSION) throw error
      })
    } finally {
      await rm(staging, { recursive: true, force: true })
    }
    return result.converted > 0 ? { source: target, signedInt8: true } : asShipped
  } catch (error) {
    if (signal?.aborted) throw error
    console.warn(`[embedder] could not prepare int8 weights for ${location.modelId}; using the model as shipped`, error)
    return asShipped
  }
}
