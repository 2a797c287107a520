#!/usr/bin/env node
// `npm run gpu:pack`: builds .gpu/ (git-ignored), everything scripts/gpu-check.sh needs on a GPU machine that
// has no Node and no network, and prints its size against the 64 MiB a device call may carry:
//   node.xz          this machine's Node binary (xz; unpacked with Python's lzma there)
//   app.tar.xz       gpu-check.mjs (scripts/gpu-check.ts and the engine, one esbuild bundle), onnxruntime-node
//                    with its Linux x64 binaries only, onnxruntime-common, bench/torch_train.py
//   *.deb            the Vulkan loader WebGPU (Dawn) opens and what NVIDIA's Vulkan driver (libGLX_nvidia.so.0)
//                    links to: glvnd's dispatch and GLX, libX11/libXext and theirs (Debian's amd64 packages);
//                    gpu-check.sh uses each only where the GPU machine lacks that library
// Then: the device tool runs `bash scripts/gpu-check.sh` with carry [".gpu"].
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const PACK = path.join(ROOT, '.gpu')
const STAGE = path.join(PACK, 'stage')
const LIMIT = 64 * 1024 * 1024
const sh = (cmd, args, opts = {}) =>
  execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], ...opts })
const mib = (b) => `${(b / 1024 / 1024).toFixed(1)} MiB`
const say = (m) => process.stderr.write(`gpu:pack: ${m}\n`)

fs.mkdirSync(PACK, { recursive: true })
fs.rmSync(STAGE, { recursive: true, force: true })
const app = path.join(STAGE, 'app')
fs.mkdirSync(path.join(app, 'node_modules'), { recursive: true })

// 1. Node: compressed once (xz of a 100 MB binary takes minutes on two cores); kept while the version matches.
const nodeXz = path.join(PACK, 'node.xz')
const stamp = path.join(PACK, 'node.version')
if (!fs.existsSync(nodeXz) || fs.readFileSync(stamp, 'utf8').trim() !== process.version) {
  say(`compressing ${process.execPath} (${process.version})…`)
  fs.writeFileSync(nodeXz, sh('xz', ['-T0', '-6', '-c', process.execPath], { maxBuffer: 1 << 30 }))
  fs.writeFileSync(stamp, process.version + '\n')
}

// 2. The check and the engine as one bundle; onnxruntime-node stays a package (native binding).
say('bundling scripts/gpu-check.ts…')
sh(path.join(ROOT, 'node_modules/.bin/esbuild'), [
  path.join(ROOT, 'scripts/gpu-check.ts'),
  '--bundle',
  '--platform=node',
  '--format=esm',
  '--target=node20',
  `--outfile=${path.join(app, 'gpu-check.mjs')}`,
  '--external:onnxruntime-node',
  '--external:@tensorflow/tfjs-node',
  '--external:@tensorflow/tfjs-node-gpu',
  '--external:electron',
  // Bundled CommonJS dependencies call require(): give the ESM bundle one.
  // Bundled CommonJS dependencies call require() and read __dirname (tfjs-backend-wasm finds its .wasm there).
  "--banner:js=import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; " +
    "import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); " +
    'const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);',
  '--log-level=error'
])
const copy = (from, to, filter) => fs.cpSync(from, to, { recursive: true, dereference: true, filter })
const wasmDir = path.join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist')
for (const f of fs.readdirSync(wasmDir).filter((f) => f.endsWith('.wasm')))
  copy(path.join(wasmDir, f), path.join(app, f))
const modules = path.join(ROOT, 'node_modules')
const ortDir = path.join(modules, 'onnxruntime-node')
const linuxBin = path.join('bin', 'napi-v6', 'linux', 'x64')
copy(ortDir, path.join(app, 'node_modules/onnxruntime-node'), (src) => {
  const rel = path.relative(ortDir, src)
  // Only the Linux x64 binaries (the package ships every platform's), no sources or maps.
  if (rel.startsWith('bin') && !(linuxBin.startsWith(rel) || rel.startsWith(linuxBin))) return false
  return !rel.endsWith('.map') && !rel.startsWith('lib')
})
copy(
  path.join(modules, 'onnxruntime-common'),
  path.join(app, 'node_modules/onnxruntime-common'),
  (src) => !src.endsWith('.map')
)
for (const dep of ['adm-zip', 'global-agent'])
  fs.rmSync(path.join(app, 'node_modules', dep), { recursive: true, force: true })

// 3. The PyTorch peer's workload script.
const shared = process.env.PFM_SHARED_DIR
  ? path.resolve(process.env.PFM_SHARED_DIR)
  : path.resolve(ROOT, '../shared')
const torchTrain = [shared, path.resolve('/work/shared')]
  .map((d) => path.join(d, 'bench', 'torch_train.py'))
  .find((f) => fs.existsSync(f))
if (torchTrain) copy(torchTrain, path.join(app, 'bench', 'torch_train.py'))
else say('torch_train.py not found (set PFM_SHARED_DIR): the check will have no PyTorch peer')

say('compressing app.tar.xz…')
sh('tar', ['-C', STAGE, '-cJf', path.join(PACK, 'app.tar.xz'), 'app'], {
  env: { ...process.env, XZ_OPT: '-T0 -6' }
})
fs.rmSync(STAGE, { recursive: true, force: true })

// 4. The Vulkan loader and the libraries NVIDIA's ICD needs (Debian amd64), once. Without libGLdispatch the
// loader reports "Could not get 'vkCreateInstance' via 'vk_icdGetInstanceProcAddr' for ICD libGLX_nvidia.so.0"
// (seen on an H200 machine, 2026-12-04).
const DEBS = [
  'libegl1',
  'libopengl0',
  'libgl1',
  'libgles2',
  'libvulkan1',
  'libglvnd0',
  'libglx0',
  'libx11-6',
  'libxext6',
  'libxcb1',
  'libxau6',
  'libxdmcp6',
  'libbsd0',
  'libmd0'
]
const missing = DEBS.filter(
  (d) => !fs.readdirSync(PACK).some((f) => f.startsWith(`${d}_`) && f.endsWith('.deb'))
)
if (missing.length > 0) {
  const o = ['-oAPT::Architecture=amd64', '-oAPT::Architectures=amd64', '-oDir::State::Lists=/tmp/amd64']
  try {
    fs.mkdirSync('/tmp/amd64/partial', { recursive: true })
    sh('apt-get', [...o, 'update'], { stdio: 'ignore' })
    sh('apt-get', [...o, 'download', ...missing], { cwd: PACK, stdio: 'ignore' })
    // Epochs are saved as '%3a': plain names travel everywhere.
    for (const f of fs.readdirSync(PACK).filter((f) => f.includes('%3a')))
      fs.renameSync(path.join(PACK, f), path.join(PACK, f.replaceAll('%3a', '_')))
  } catch (e) {
    say(
      `apt-get download ${missing.join(' ')} failed (${e.message.split('\n')[0]}): WebGPU needs a Vulkan loader and NVIDIA's ICD its libraries on the GPU machine`
    )
  }
}

// The budget: what a device call carries is the tracked tree plus .gpu/.
const tracked = sh('git', ['ls-files', '-z'], { cwd: ROOT })
  .toString()
  .split('\0')
  .filter(Boolean)
  .reduce((s, f) => s + (fs.statSync(path.join(ROOT, f), { throwIfNoEntry: false })?.size ?? 0), 0)
const files = fs
  .readdirSync(PACK)
  .filter((f) => f !== 'node.version')
  .map((f) => [f, fs.statSync(path.join(PACK, f)).size])
const packed = files.reduce((s, [, b]) => s + b, 0)
for (const [f, b] of files) process.stdout.write(`  .gpu/${f.padEnd(36)} ${mib(b)}\n`)
process.stdout.write(
  `.gpu/ ${mib(packed)} + tracked tree ${mib(tracked)} = ${mib(packed + tracked)} of ${mib(LIMIT)}` +
    `${packed + tracked > LIMIT ? ' — OVER the device limit' : ''}\n`
)
process.exitCode = packed + tracked > LIMIT ? 1 : 0
