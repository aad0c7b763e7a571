// Writes the app and tray icons as real PNGs with nothing but node:zlib (run: node resources/generate-icons.mjs).
// The mark: a rounded square with a note page and a spark, so it reads at 16 px as well as at 512 px.
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(buffer) {
  let crc = 0xffffffff
  for (const byte of buffer) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

function chunk(type, data) {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

/** Encodes RGBA pixels (Uint8Array of size*size*4) as an 8-bit RGBA PNG. */
export function encodePng(size, rgba) {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header[8] = 8 // bit depth
  header[9] = 6 // RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1))
  for (let y = 0; y < size; y++) {
    rows[y * (size * 4 + 1)] = 0 // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * size * 4, size * 4).copy(rows, y * (size * 4 + 1) + 1)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

function insideRoundedRect(x, y, left, top, right, bottom, radius) {
  if (x < left || x > right || y < top || y > bottom) return false
  const cx = Math.min(Math.max(x, left + radius), right - radius)
  const cy = Math.min(Math.max(y, top + radius), bottom - radius)
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2
}

/** The colour of one point of the mark in unit coordinates [0,1]²; null is transparent. */
function colourAt(u, v, style) {
  const ink = style === 'template' ? [0, 0, 0] : null
  if (!insideRoundedRect(u, v, 0.04, 0.04, 0.96, 0.96, 0.2)) return null
  const onPage = insideRoundedRect(u, v, 0.26, 0.2, 0.74, 0.8, 0.05)
  const onLine = [0.36, 0.48, 0.6].some((line, index) => Math.abs(v - line) < 0.03 && u > 0.34 && u < (index === 2 ? 0.56 : 0.66))
  const spark = (u - 0.7) ** 2 + (v - 0.72) ** 2 < 0.11 ** 2
  if (style === 'template') {
    // macOS template images: shape in alpha only; the page is cut out of the square.
    if (spark) return [...ink, 255]
    if (onPage && !onLine) return null
    return [...ink, 255]
  }
  if (spark) return [255, 196, 61, 255]
  if (onPage) return onLine ? [79, 70, 229, 255] : [248, 250, 252, 255]
  // Indigo to violet from top-left to bottom-right.
  const t = (u + v) / 2
  return [Math.round(79 + (124 - 79) * t), Math.round(70 + (58 - 70) * t), Math.round(229 + (237 - 229) * t), 255]
}

/** Renders the mark at `size` px with 4×4 supersampling so edges are smooth. */
export function renderIcon(size, style = 'colour') {
  const samples = 4
  const rgba = new Uint8Array(size * size * 4)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0, g = 0, b = 0, a = 0
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const colour = colourAt((x + (sx + 0.5) / samples) / size, (y + (sy + 0.5) / samples) / size, style)
          if (!colour) continue
          r += colour[0] * colour[3]
          g += colour[1] * colour[3]
          b += colour[2] * colour[3]
          a += colour[3]
        }
      }
      const offset = (y * size + x) * 4
      if (a > 0) {
        rgba[offset] = Math.round(r / a)
        rgba[offset + 1] = Math.round(g / a)
        rgba[offset + 2] = Math.round(b / a)
      }
      rgba[offset + 3] = Math.round(a / (samples * samples))
    }
  }
  return encodePng(size, rgba)
}

/** Every icon the app and the packager use: file name → [size, style]. */
export const ICONS = {
  'icon.png': [512, 'colour'],
  'tray-icon.png': [16, 'colour'],
  'tray-icon@2x.png': [32, 'colour'],
  'trayTemplate.png': [16, 'template'],
  'trayTemplate@2x.png': [32, 'template'],
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const [name, [size, style]] of Object.entries(ICONS)) {
    const png = renderIcon(size, style)
    fs.writeFileSync(path.join(here, name), png)
    console.log(`${name}: ${size}×${size}, ${png.length} bytes`)
  }
}
