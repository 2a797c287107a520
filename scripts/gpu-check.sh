#!/usr/bin/env bash
# The GPU check in one call on a GPU machine with no Node and no network (the device tool: carry [".gpu"],
# command `bash scripts/gpu-check.sh`, at most 10 minutes). Build .gpu/ first, here: `npm run gpu:pack`.
#
# Unpacks Node (Python's lzma), the bundled check with onnxruntime-node, and the Vulkan loader (dpkg -x into a
# scratch folder, on LD_LIBRARY_PATH), then runs scripts/gpu-check.ts's bundle: providers, the training step
# on WebGPU next to PyTorch on CUDA, cfm trained on the GPU vs the CPU, `pfm bench` one-step vs Heun K = 100 at
# batch 1 … 65,536, and every graph kind's GPU-vs-CPU parity. Writes $OUT/gpu-check.json (and .log);
# without $OUT, test-results/gpu/. Without a GPU the JSON holds the refusals. Extra arguments go to the check
# (--quick: a few steps of everything).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PACK=${PFM_GPU_PACK:-$ROOT/.gpu}
DEST=${OUT:-$ROOT/test-results/gpu}
WORK=$(mktemp -d /tmp/pfm-gpu.XXXXXX)
mkdir -p "$DEST"
say() { echo "gpu-check.sh: $*" >&2; }

for f in node.xz app.tar.xz; do
  [ -f "$PACK/$f" ] || { say "$PACK/$f is missing: run npm run gpu:pack first"; exit 2; }
done
PY=$(command -v python3 || true)
[ -n "$PY" ] || { say "python3 is needed to unpack Node"; exit 2; }

"$PY" - "$PACK" "$WORK" <<'PYEOF' || { say "unpacking failed"; exit 2; }
import lzma, os, shutil, sys, tarfile
pack, work = sys.argv[1], sys.argv[2]
with lzma.open(os.path.join(pack, 'node.xz')) as src, open(os.path.join(work, 'node'), 'wb') as dst:
    shutil.copyfileobj(src, dst)
os.chmod(os.path.join(work, 'node'), 0o755)
with tarfile.open(os.path.join(pack, 'app.tar.xz')) as t:
    t.extractall(work)
PYEOF

# The Vulkan loader (Dawn opens libvulkan.so.1) and what NVIDIA's ICD library links to, each only where the
# machine lacks that library: unpacked into a scratch folder on LD_LIBRARY_PATH, never into /.
GL="$WORK/gl/usr/lib/x86_64-linux-gnu"
for deb in "$PACK"/*.deb; do
  [ -f "$deb" ] && dpkg -x "$deb" "$WORK/gl"
done
if [ -d "$GL" ]; then
  for lib in "$GL"/*.so.*; do
    name=$(basename "$lib")
    ldconfig -p 2>/dev/null | awk -v n="$name" '$1 == n { found = 1 } END { exit !found }' && rm -f "$lib"
  done
  ls "$GL" | grep -q . && export LD_LIBRARY_PATH="$GL${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  say "libraries taken from .gpu: $(ls "$GL" | grep -E '\.so\.[0-9]+$' | tr '\n' ' ')"
fi
# NVIDIA containers keep the driver's Vulkan ICD outside the loader's search path.
ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$ICD" ] && [ -z "${VK_DRIVER_FILES:-}" ] && export VK_DRIVER_FILES=$ICD
# Whatever the ICD's library still cannot resolve, for the log (the usual reason WebGPU finds no adapter).
if [ -f "${VK_DRIVER_FILES:-}" ]; then
  icdlib=$(sed -n 's/.*"library_path": *"\([^"]*\)".*/\1/p' "$VK_DRIVER_FILES")
  icdpath=$(ldconfig -p 2>/dev/null | awk -v n="$icdlib" '$1 == n { print $NF; exit }')
  [ -n "$icdpath" ] && ldd "$icdpath" 2>&1 | grep 'not found' | sed "s|^|gpu-check.sh: $icdlib needs |" >&2
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version --format=csv,noheader >&2

# Each section in its own process: a native abort (a driver's, onnxruntime's) is recorded in the report and the
# next section runs. The training step keeps its state on the device (IO binding, PFM_WEBGPU_STATE=device) only
# where probeDeviceState ran through; otherwise in host memory, and each section's report says which.
LOG="$DEST/gpu-check.log"
REPORT="$DEST/gpu-check.json"
STATE="$WORK/state"
rm -f "$REPORT" "$LOG"
touch "$LOG"
mkdir -p "$STATE"
rc=0
ONLY=",${PFM_GPU_SECTIONS:-},"
section() { # name, time limit in seconds; PFM_GPU_SECTIONS=a,b runs only those (the providers always)
  local name=$1 limit=$2 code from
  [ "$ONLY" = ",," ] || [ "$name" = providers ] || [[ "$ONLY" == *",$name,"* ]] || return 0
  from=$(($(wc -l <"$LOG" 2>/dev/null || echo 0) + 1))
  timeout "$limit" "$WORK/node" "$WORK/app/gpu-check.mjs" --out "$REPORT" --shared "$WORK/app" --append \
    --state "$STATE" --sections "$name" "${EXTRA[@]}" >>"$LOG" 2>&1
  code=$?
  tail -n 4 "$LOG" >&2
  if [ "$code" -ne 0 ]; then
    rc=1
    "$PY" - "$REPORT" "$name" "$code" "$(tail -n +"$from" "$LOG" | grep -v '^\[gpu-check' | tail -n 1)" <<'PYEOF'
import json, os, sys
path, name, code, last = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
report = json.load(open(path)) if os.path.exists(path) else {}
why = 'timed out' if code == 124 else f'the process ended with status {code}'
report[name] = {'status': 'crashed', 'reason': f'{why}: {last}'.strip(': ')}
json.dump(report, open(path, 'w'), indent=2)
PYEOF
  fi
  return "$code"
}
EXTRA=("$@")
section providers 45
section probeInference 45
section probeHostState 45
# The state on the device (IO binding) is opt-in: the rest use it only if this probe survives.
section probeDeviceState 45 && [ "$ONLY" = ",," ] && export PFM_WEBGPU_STATE=device
section trainStep8g 75
section trainStepMnist 90
section training 240
section bench 150
section parity 75
rm -rf "$WORK"
exit "$rc"
