#!/usr/bin/env node
// Import cycles among the modules of src/ (value imports and dynamic import(); `import type` is not an edge).
// `npm run lint` runs it; prints each cycle as a chain of files and exits 1 when there is one.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

const IMPORT = /^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm
/** A late `import('./x')`: deferred, but still a cycle when the imported module leads back. */
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g

/** Value-import edges of every .ts / .vue file under `root`: file → the files it imports. */
export function importGraph(root) {
  const files = []
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (/\.(ts|vue|mts)$/.test(e.name) && !e.name.endsWith('.d.ts')) files.push(p)
    }
  }
  walk(root)
  const resolve = (from, spec) => {
    if (!spec.startsWith('.')) return null
    const base = path.resolve(path.dirname(from), spec)
    for (const c of [base, `${base}.ts`, `${base}.vue`, path.join(base, 'index.ts')])
      if (fs.existsSync(c) && fs.statSync(c).isFile()) return c
    return null
  }
  const graph = new Map()
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8')
    const edges = new Set()
    for (const m of text.matchAll(IMPORT)) {
      // `import { type A, type B } from` imports no value either
      const clause = m[0].replace(/from\s+['"][^'"]+['"]$/, '')
      const braces = clause.match(/\{([^}]*)\}/)
      if (braces && !/^\s*(import|export)\s+\w/.test(clause.replace(/^\s*(import|export)\s*\{/, '{'))) {
        const names = braces[1].split(',').map((s) => s.trim()).filter(Boolean)
        if (names.length > 0 && names.every((n) => n.startsWith('type '))) continue
      }
      const to = resolve(f, m[1])
      if (to) edges.add(to)
    }
    for (const m of text.matchAll(DYNAMIC)) {
      const to = resolve(f, m[1])
      if (to) edges.add(to)
    }
    graph.set(f, edges)
  }
  return graph
}

/** The cycles of a graph (one per strongly connected component of more than one file, or a self-import). */
export function findCycles(graph) {
  let index = 0
  const idx = new Map()
  const low = new Map()
  const stack = []
  const on = new Set()
  const out = []
  const strong = (v) => {
    idx.set(v, index)
    low.set(v, index++)
    stack.push(v)
    on.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w)
        low.set(v, Math.min(low.get(v), low.get(w)))
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)))
    }
    if (low.get(v) === idx.get(v)) {
      const comp = []
      let w
      do {
        w = stack.pop()
        on.delete(w)
        comp.push(w)
      } while (w !== v)
      if (comp.length > 1 || (graph.get(v) ?? new Set()).has(v)) out.push(comp.sort())
    }
  }
  for (const v of graph.keys()) if (!idx.has(v)) strong(v)
  return out
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const root = path.resolve(process.argv[2] ?? 'src')
  const cycles = findCycles(importGraph(root))
  for (const c of cycles)
    process.stderr.write(`import cycle among ${c.length} files:\n${c.map((f) => `  ${path.relative(process.cwd(), f)}`).join('\n')}\n`)
  process.exitCode = cycles.length ? 1 : 0
}
