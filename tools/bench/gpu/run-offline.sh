#!/usr/bin/env bash
# Runs the GPU bench from an archive made by pack-offline.sh, in this checkout: llamats' WebGPU backend
# (Dawn, Vulkan) beside node-llama-cpp's Vulkan build, on the same GPU in the same run.
# Usage: bash tools/bench/gpu/run-offline.sh PAYLOAD_DIR [bench:peers flags...]
#        bash tools/bench/gpu/run-offline.sh PAYLOAD_DIR probe   (src/gpu-probe.ts: kernels alone)
# Needs a Vulkan loader (libvulkan.so.1) and the GPU's Vulkan driver.
set -euo pipefail
payload="$(realpath "${1:?usage: run-offline.sh PAYLOAD_DIR [flags]}")"
shift
root="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$root"
[ -x .bench-node/node ] || { mkdir -p .bench-node && xz -dc "$payload/payload.tar.xz" | tar xf - -C .bench-node; }
# The bundle and the packages sit where scripts/run.mjs and the peers' install would have put them.
cp -r .bench-node/tools/. tools/
run=tools/bench/node_modules/.cache/run
if [ "${1:-}" = probe ]; then shift; exec .bench-node/node --enable-source-maps "$run/gpu-probe.mjs" "$@"; fi
exec .bench-node/node --enable-source-maps "$run/main.mjs" --no-install "$@"
