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

# The Vulkan loader, where the machine has none (Dawn opens libvulkan.so.1).
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'; then
  for deb in "$PACK"/libvulkan1_*.deb; do
    [ -f "$deb" ] && dpkg -x "$deb" "$WORK/vulkan"
  done
  [ -d "$WORK/vulkan" ] && export LD_LIBRARY_PATH="$WORK/vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
# NVIDIA containers keep the driver's Vulkan ICD outside the loader's search path.
ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$ICD" ] && [ -z "${VK_DRIVER_FILES:-}" ] && export VK_DRIVER_FILES=$ICD
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version --format=csv,noheader >&2

"$WORK/node" "$WORK/app/gpu-check.mjs" --out "$DEST/gpu-check.json" --shared "$WORK/app" "$@" 2>&1 | tee "$DEST/gpu-check.log"
rc=${PIPESTATUS[0]}
rm -rf "$WORK"
exit "$rc"
