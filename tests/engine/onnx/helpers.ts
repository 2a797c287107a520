/** Shared helpers for the ONNX tests: temp folders, the official Python checker, a float64 reference MLP. */
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { LEAKY_SLOPE } from '../../../src/engine/models/dense'
import type { Activation, MlpWeights } from '../../../src/engine/models/mlp'
import { timeEmbedding, type VelocityWeights } from '../../../src/engine/models/velocity'

export const PYTHON = '/usr/bin/python3'

const dirs: string[] = []

/** A fresh temp folder, removed by `removeTempDirs` (call it in `afterAll`). */
export function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'pfm-onnx-'))
  dirs.push(d)
  return d
}

export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
}

const INSTALL_HINT = 'the ONNX tests run the official checker from Python: apt-get install python3-onnx'

/** Runs a Python snippet with `import onnx` available; fails (never skips) when Python or onnx is missing. */
export function python(
  code: string,
  args: string[] = []
): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8', timeout: 120_000 })
  if (r.error) throw new Error(`${PYTHON} could not run (${r.error.message}); ${INSTALL_HINT}.`)
  if (/No module named '?onnx'?/.test(r.stderr))
    throw new Error(`Python has no onnx module; ${INSTALL_HINT}.`)
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

const CHECK = 'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)'

/** The official ONNX checker (full_check: shape inference in strict mode) on a file; returns its stderr. */
export function onnxCheck(file: string): { status: number; stderr: string } {
  const r = python(CHECK, [file])
  return { status: r.status, stderr: r.stderr }
}

const CHECK_ALL =
  'import onnx,sys\nfor f in sys.argv[1:]:\n  try:\n    onnx.checker.check_model(onnx.load(f), full_check=True); print("ok", f)\n' +
  '  except Exception as e:\n    print("FAIL", f, str(e).splitlines()[0] if str(e) else repr(e))'

/** The official checker on several files in one Python process: file → 'ok' or the failure line. */
export function onnxCheckAll(files: readonly string[]): Record<string, string> {
  const r = python(CHECK_ALL, [...files])
  if (r.status !== 0) throw new Error(`the ONNX checker failed to run: ${r.stderr}`)
  const out: Record<string, string> = {}
  for (const line of r.stdout.trim().split('\n')) {
    const [status, file, ...rest] = line.split(' ')
    out[file!] = status === 'ok' ? 'ok' : rest.join(' ')
  }
  return out
}

/** Writes `bytes` to a temp .onnx file and returns its path. */
export function writeTemp(bytes: Uint8Array, name = 'model.onnx', dir = tempDir()): string {
  const file = path.join(dir, name)
  fs.writeFileSync(file, bytes)
  return file
}

function act(v: number, a: Activation): number {
  switch (a) {
    case 'relu':
      return Math.max(0, v)
    case 'tanh':
      return Math.tanh(v)
    case 'leaky-relu':
      return v > 0 ? v : LEAKY_SLOPE * v
    case 'silu':
      return v / (1 + Math.exp(-v))
    case 'gelu':
      return 0.5 * v * (1 + Math.tanh(0.7978845608 * (v + 0.044715 * v * v * v)))
  }
}

/** The MLP forward pass in float64, from the JSON weights (independent of tfjs and onnxruntime). */
export function mlpForward(w: MlpWeights, x: ArrayLike<number>, n: number): Float64Array {
  let h = Float64Array.from(x)
  w.layers.forEach((l, li) => {
    const out = new Float64Array(n * l.outDim)
    for (let r = 0; r < n; r++)
      for (let j = 0; j < l.outDim; j++) {
        let s = l.b[j]!
        for (let i = 0; i < l.inDim; i++) s += h[r * l.inDim + i]! * l.w[i * l.outDim + j]!
        out[r * l.outDim + j] = li < w.layers.length - 1 ? act(s, w.spec.activation) : s
      }
    h = out
  })
  return h
}

/** max |a − b|. */
export function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`)
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!))
  return m
}

/** Random MLP weights in the engine's layout, without tfjs (the engine's own generator). */
export { randomMlpWeights as randomMlp } from '../../../src/engine/models/mlp'

/**
 * The engine's velocity network of weights `w` in float64 on n rows: x [n, d] at one time t → [n, d], the
 * row [x, emb(t)] through the MLP (a reference for the fused sampler graphs).
 */
export function velocityForward(w: VelocityWeights, n: number): (x: Float32Array, t: number) => Float32Array {
  const { dim: d, timeDim, maxFreq } = w.spec
  return (x, t) => {
    const emb = timeEmbedding([t], timeDim, maxFreq)
    const row = new Float64Array(n * (d + timeDim))
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) row[i * (d + timeDim) + j] = x[i * d + j]!
      for (let k = 0; k < timeDim; k++) row[i * (d + timeDim) + d + k] = emb[k]!
    }
    return Float32Array.from(mlpForward(w.mlp, row, n))
  }
}
