import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import zlib from 'node:zlib'
import picomatch from 'picomatch'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'

const root = path.resolve(import.meta.dirname, '../../..')
const require = createRequire(import.meta.url)
const config = parse(fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as Record<string, any>
const packageJson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> }

/** Every file under `dir`, as paths relative to the project root with forward slashes. */
function walk(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) walk(full, out)
    else if (entry.isFile()) out.push(path.relative(root, full).split(path.sep).join('/'))
  }
  return out
}

/** The installed packages that ship with the app: in the lock and not dev-only. */
function runtimePackageDirs(): string[] {
  return Object.entries(lock.packages)
    .filter(([key, entry]) => key.startsWith('node_modules/') && !entry.dev && fs.existsSync(path.join(root, key)))
    .map(([key]) => key)
}

describe('electron-builder.yml', () => {
  it('is valid for the installed electron-builder (its own schema check)', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js')
    const { DebugLogger } = require('builder-util')
    await expect(validateConfiguration(structuredClone(config), new DebugLogger(false))).resolves.toBeUndefined()
    await expect(validateConfiguration({ ...structuredClone(config), notAnOption: true }, new DebugLogger(false))).rejects.toThrow(/notAnOption/)
  })

  it('names the app and targets Linux (AppImage, deb), macOS (dmg) and Windows (nsis)', () => {
    expect(config.appId).toBe('dev.notes-rag.app')
    expect(config.productName).toBe('notes-rag')
    expect(config.linux.target).toEqual(['AppImage', 'deb'])
    expect(config.mac.target).toEqual(['dmg'])
    expect(config.win.target).toEqual(['nsis'])
    expect(config.npmRebuild).toBe(true)
    expect(config.buildDependenciesFromSource).toBe(false)
  })

  it('unpacks every native binary of the runtime dependencies, with the files beside it', () => {
    const unpacked = picomatch(config.asarUnpack as string[], { dot: true })
    const natives = runtimePackageDirs().flatMap((dir) => walk(path.join(root, dir)).filter((file) => file.endsWith('.node')))
    // The packages the app is known to load natively must be among them (a sanity check of the scan itself).
    for (const expected of ['better-sqlite3', '@lancedb/lancedb-', 'onnxruntime-node', '@node-llama-cpp/']) {
      expect(natives.some((file) => file.includes(`node_modules/${expected}`))).toBe(true)
    }
    const missing: string[] = []
    for (const binary of natives) {
      // Shared libraries next to the addon (libonnxruntime.so, libggml*.so) are dlopen'ed from the same folder.
      const dir = path.posix.dirname(binary)
      for (const sibling of fs.readdirSync(path.join(root, dir))) {
        const file = `${dir}/${sibling}`
        if (fs.statSync(path.join(root, file)).isFile() && !unpacked(file)) missing.push(file)
      }
    }
    expect(missing).toEqual([])
    // Dev-only native modules (bundlers) must not be what the patterns are about.
    expect(unpacked('node_modules/@rolldown/binding-linux-x64-gnu/rolldown-binding.linux-x64-gnu.node')).toBe(false)
  })

  it('leaves the homelab service dependencies out of the app (server/ is not bundled)', () => {
    const excluded = picomatch((config.files as string[]).filter((pattern) => pattern.startsWith('!')).map((pattern) => pattern.slice(1)), { dot: true })
    for (const file of ['node_modules/@electric-sql/pglite/dist/index.js', 'node_modules/pg/lib/index.js', 'node_modules/pg-protocol/dist/index.js', 'node_modules/prom-client/index.js']) {
      expect([file, fs.existsSync(path.join(root, file)), excluded(file)]).toEqual([file, true, true])
    }
    expect(excluded('node_modules/better-sqlite3/lib/index.js')).toBe(false)
    expect(excluded('node_modules/openai/index.js')).toBe(false)
  })

  it('packs the built bundles and the icons main loads, and ships the model folder as extraResources', () => {
    const files = config.files as string[]
    const included = picomatch(files.filter((pattern) => !pattern.startsWith('!')), { dot: true })
    for (const file of ['out/main/index.js', 'out/main/engine-process.js', 'out/preload/index.cjs', 'out/renderer/chat.html', 'resources/tray-icon.png', 'resources/trayTemplate.png', 'package.json']) {
      expect([file, included(file)]).toEqual([file, true])
    }
    expect(included('electron/main/index.ts')).toBe(false)
    expect(config.extraResources).toEqual([{ from: 'resources/models', to: 'models', filter: ['**/*', '!.gitignore'] }])
    expect(fs.existsSync(path.join(root, 'resources/models'))).toBe(true)
  })
})

describe('build entries', () => {
  it('points package.json main and the electron-vite inputs at real files, with the names main expects', async () => {
    const { default: viteConfig } = await import('../../../electron.vite.config')
    const resolved = typeof viteConfig === 'function' ? await (viteConfig as (env: unknown) => Promise<any>)({ command: 'build', mode: 'production' }) : viteConfig
    const mainBuild = resolved.main.build
    const preloadBuild = resolved.preload.build
    const rendererBuild = resolved.renderer.build

    // package.json main = <main outDir>/<entry>.js
    expect(packageJson.main).toBe(`${mainBuild.outDir}/index.js`)
    expect(mainBuild.rollupOptions.output.entryFileNames).toBe('[name].js')
    expect(Object.keys(mainBuild.rollupOptions.input).sort()).toEqual(['embedding-worker', 'engine-process', 'index'])
    for (const source of [...Object.values(mainBuild.rollupOptions.input), ...Object.values(preloadBuild.rollupOptions.input), ...Object.values(rendererBuild.rollupOptions.input)]) {
      expect([source, fs.existsSync(source as string)]).toEqual([source, true])
    }
    // main/index.ts loads ../preload/index.cjs and ./engine-process.js relative to out/main.
    expect(preloadBuild.outDir).toBe('out/preload')
    expect(preloadBuild.rollupOptions.output).toMatchObject({ format: 'cjs', entryFileNames: '[name].cjs' })
    const mainSource = fs.readFileSync(path.join(root, 'electron/main/index.ts'), 'utf8')
    expect(mainSource).toContain("'preload', 'index.cjs'")
    expect(mainSource).toContain("'engine-process.js'")
    expect(path.resolve(rendererBuild.outDir)).toBe(path.join(root, 'out/renderer'))
  })
})

describe('icons', () => {
  const expected: Array<[string, number]> = [
    ['icon.png', 512],
    ['tray-icon.png', 16],
    ['tray-icon@2x.png', 32],
    ['trayTemplate.png', 16],
    ['trayTemplate@2x.png', 32],
  ]

  /** Decodes an 8-bit RGBA, non-interlaced PNG (what the generator writes) far enough to check its pixels. */
  function decodePng(buffer: Buffer) {
    expect(buffer.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    let offset = 8
    let width = 0, height = 0, colourType = -1, bitDepth = 0
    const idat: Buffer[] = []
    while (offset < buffer.length) {
      const length = buffer.readUInt32BE(offset)
      const type = buffer.toString('ascii', offset + 4, offset + 8)
      const data = buffer.subarray(offset + 8, offset + 8 + length)
      expect(buffer.readUInt32BE(offset + 8 + length)).toBe(zlib.crc32(buffer.subarray(offset + 4, offset + 8 + length)))
      if (type === 'IHDR') {
        width = data.readUInt32BE(0)
        height = data.readUInt32BE(4)
        bitDepth = data[8]!
        colourType = data[9]!
      } else if (type === 'IDAT') idat.push(data)
      offset += 12 + length
    }
    const raw = zlib.inflateSync(Buffer.concat(idat))
    return { width, height, bitDepth, colourType, raw }
  }

  for (const [name, size] of expected) {
    it(`${name} is a real ${size}×${size} RGBA PNG with a drawn mark`, () => {
      const png = decodePng(fs.readFileSync(path.join(root, 'resources', name)))
      expect({ width: png.width, height: png.height, bitDepth: png.bitDepth, colourType: png.colourType }).toEqual({ width: size, height: size, bitDepth: 8, colourType: 6 })
      expect(png.raw.length).toBe(size * (size * 4 + 1))
      const alphas = new Set<number>()
      const colours = new Set<string>()
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const at = y * (size * 4 + 1) + 1 + x * 4
          alphas.add(png.raw[at + 3]!)
          if (png.raw[at + 3] === 255) colours.add(png.raw.subarray(at, at + 3).toString('hex'))
        }
      }
      expect(alphas.has(0)).toBe(true) // transparent corners
      expect(alphas.has(255)).toBe(true)
      expect(colours.size).toBeGreaterThanOrEqual(name.startsWith('trayTemplate') ? 1 : 3)
    })
  }

  it('are what resources/generate-icons.mjs draws (the committed files are up to date)', async () => {
    // @ts-expect-error: a plain .mjs script without type declarations
    const { ICONS, renderIcon } = await import('../../../resources/generate-icons.mjs')
    expect(Object.keys(ICONS).sort()).toEqual(expected.map(([name]) => name).sort())
    for (const [name, [size, style]] of Object.entries(ICONS as Record<string, [number, string]>)) {
      expect(renderIcon(size, style).equals(fs.readFileSync(path.join(root, 'resources', name)))).toBe(true)
    }
  })
})
