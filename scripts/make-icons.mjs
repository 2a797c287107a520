#!/usr/bin/env node
// Rasterises resources/icon.svg into the app icons: resources/icon.png (512 px: electron-builder's mac, win
// and linux icon, the window icon) and resources/icon-256.png. A deliberately small rasteriser for the
// shapes the icon uses — <rect> (with rx) and <circle> (fill, fill-opacity, stroke, stroke-width) — with
// 4 × 4 supersampling, so the icons rebuild anywhere Node runs (no browser or ImageMagick needed):
//
//   node scripts/make-icons.mjs            # writes both PNGs
//   node scripts/make-icons.mjs --check    # exits 1 when the PNGs are not what the SVG gives
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { PNG } from 'pngjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const SVG = path.join(root, 'resources/icon.svg')
export const ICONS = [
  { file: 'resources/icon.png', size: 512 },
  { file: 'resources/icon-256.png', size: 256 }
]
const SUB = 4

/** The rect and circle elements of an SVG document, with their attributes as numbers or strings. */
export function parseShapes(svg) {
  const view = /viewBox="([-\d.\s]+)"/.exec(svg)
  const [, , vw, vh] = (view ? view[1] : '0 0 512 512').trim().split(/\s+/).map(Number)
  const shapes = []
  for (const m of svg.matchAll(/<(rect|circle)\s([^>]*?)\/?>/g)) {
    const attrs = Object.fromEntries([...m[2].matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]]))
    shapes.push({ kind: m[1], ...attrs })
  }
  return { width: vw, height: vh, shapes }
}

function rgb(hex) {
  const h = hex.replace('#', '')
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16))
}

/** Inside tests in view-box units: the shape's fill region, or its stroke band. */
function painters(s) {
  const out = []
  if (s.kind === 'rect') {
    const [x, y, w, h, r] = ['x', 'y', 'width', 'height', 'rx'].map((k) => Number(s[k] ?? 0))
    const inside = (px, py) => {
      if (px < x || px > x + w || py < y || py > y + h) return false
      const dx = Math.max(x + r - px, 0, px - (x + w - r))
      const dy = Math.max(y + r - py, 0, py - (y + h - r))
      return dx * dx + dy * dy <= r * r
    }
    if (s.fill && s.fill !== 'none')
      out.push({ color: s.fill, alpha: Number(s['fill-opacity'] ?? 1), inside, box: [x, y, x + w, y + h] })
    return out
  }
  const [cx, cy, r] = ['cx', 'cy', 'r'].map((k) => Number(s[k]))
  if (s.fill && s.fill !== 'none')
    out.push({
      color: s.fill,
      alpha: Number(s['fill-opacity'] ?? 1),
      inside: (px, py) => (px - cx) ** 2 + (py - cy) ** 2 <= r * r,
      box: [cx - r, cy - r, cx + r, cy + r]
    })
  if (s.stroke && s.stroke !== 'none') {
    const half = Number(s['stroke-width'] ?? 1) / 2
    out.push({
      color: s.stroke,
      alpha: Number(s['stroke-opacity'] ?? 1),
      inside: (px, py) => Math.abs(Math.hypot(px - cx, py - cy) - r) <= half,
      box: [cx - r - half, cy - r - half, cx + r + half, cy + r + half]
    })
  }
  return out
}

/** RGBA pixels (size × size) of the SVG's shapes painted in order, source-over. */
export function rasterise(svg, size) {
  const { width, shapes } = parseShapes(svg)
  const scale = width / size
  const px = new Float64Array(size * size * 4) // premultiplied
  for (const p of shapes.flatMap(painters)) {
    const [r, g, b] = rgb(p.color)
    const [x0, y0, x1, y1] = p.box.map((v) => v / scale)
    for (let y = Math.max(0, Math.floor(y0)); y < Math.min(size, Math.ceil(y1)); y++)
      for (let x = Math.max(0, Math.floor(x0)); x < Math.min(size, Math.ceil(x1)); x++) {
        let hits = 0
        for (let sy = 0; sy < SUB; sy++)
          for (let sx = 0; sx < SUB; sx++)
            if (p.inside((x + (sx + 0.5) / SUB) * scale, (y + (sy + 0.5) / SUB) * scale)) hits++
        if (hits === 0) continue
        const a = (p.alpha * hits) / (SUB * SUB)
        const i = (y * size + x) * 4
        px[i] = r * a + px[i] * (1 - a)
        px[i + 1] = g * a + px[i + 1] * (1 - a)
        px[i + 2] = b * a + px[i + 2] * (1 - a)
        px[i + 3] = a + px[i + 3] * (1 - a)
      }
  }
  const out = Buffer.alloc(size * size * 4)
  for (let i = 0; i < size * size; i++) {
    const a = px[i * 4 + 3]
    for (let c = 0; c < 3; c++) out[i * 4 + c] = a > 0 ? Math.round(px[i * 4 + c] / a) : 0
    out[i * 4 + 3] = Math.round(a * 255)
  }
  return out
}

function encode(pixels, size) {
  const png = new PNG({ width: size, height: size })
  pixels.copy(png.data)
  return PNG.sync.write(png)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const svg = fs.readFileSync(SVG, 'utf8')
  const check = process.argv.includes('--check')
  let stale = 0
  for (const { file, size } of ICONS) {
    const target = path.join(root, file)
    const png = encode(rasterise(svg, size), size)
    if (check) {
      const same = fs.existsSync(target) && fs.readFileSync(target).equals(png)
      if (!same) stale++
      console.log(`${file}: ${same ? 'up to date' : 'differs from resources/icon.svg'}`)
    } else {
      fs.writeFileSync(target, png)
      console.log(`wrote ${file} (${size} × ${size})`)
    }
  }
  process.exitCode = stale > 0 ? 1 : 0
}
