#!/usr/bin/env node
// Builds better-sqlite3 for Electron's ABI into .cache/electron-native/, leaving node_modules' Node build alone, so
// `npm start` runs the app and `npm test` keeps running under Node on the same checkout. better-sqlite3 is the only
// native dependency that is not ABI-stable (LanceDB, node-llama-cpp and onnxruntime-node use N-API).
// The app's main process points the engine at this build (NOTES_RAG_SQLITE_BINDING); packaged apps get theirs
// from electron-builder's rebuild instead.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export function electronNativeDir(electronVersion, platform = process.platform, arch = process.arch) {
  return path.join(root, '.cache', 'electron-native', `electron-${electronVersion}-${platform}-${arch}`)
}

export function sqliteBindingPath(electronVersion, platform = process.platform, arch = process.arch) {
  return path.join(electronNativeDir(electronVersion, platform, arch), 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')
}

function resolveOptional(request) {
  try {
    return require.resolve(request)
  } catch {
    return null
  }
}

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', shell: process.platform === 'win32' })
  return result.status === 0
}

function main() {
  const electronVersion = require('electron/package.json').version
  const binding = sqliteBindingPath(electronVersion)
  if (fs.existsSync(binding)) {
    console.log(`[native] better-sqlite3 for Electron ${electronVersion} is ready`)
    return 0
  }
  const source = path.dirname(require.resolve('better-sqlite3/package.json'))
  const target = path.dirname(path.dirname(path.dirname(binding)))
  fs.rmSync(target, { recursive: true, force: true })
  fs.mkdirSync(path.dirname(target), { recursive: true })
  fs.cpSync(source, target, { recursive: true, filter: (file) => !file.includes(`${path.sep}build${path.sep}`) && !file.endsWith(`${path.sep}build`) })
  console.log(`[native] building better-sqlite3 for Electron ${electronVersion} (${process.platform}-${process.arch})`)
  // A prebuilt binary first (fast); else compile against Electron's headers (needs python3 and a C++ toolchain).
  const prebuildInstall = resolveOptional('prebuild-install/bin.js')
  const nodeGyp = resolveOptional('node-gyp/bin/node-gyp.js')
  const ok =
    (prebuildInstall !== null && run(process.execPath, [prebuildInstall, '--runtime', 'electron', '--target', electronVersion, '--arch', process.arch], target)) ||
    (nodeGyp !== null && run(process.execPath, [nodeGyp, 'rebuild', '--release', `--target=${electronVersion}`, `--arch=${process.arch}`, '--dist-url=https://electronjs.org/headers'], target))
  if (!ok || !fs.existsSync(binding)) {
    console.error('[native] could not build better-sqlite3 for Electron: the app cannot open its index. See the README (Troubleshooting).')
    return 1
  }
  console.log(`[native] built ${path.relative(root, binding)}`)
  return 0
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main()
