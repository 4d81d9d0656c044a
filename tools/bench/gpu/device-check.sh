#!/usr/bin/env bash
# The whole WebGPU-on-a-real-GPU check in one command, for a `device` machine (no network): kernel probe,
# a CPU profile of llamats decoding, then the tables beside node-llama-cpp's Vulkan build (tinyllama-shape
# and llama7b-shape Q4_K_M). About 3 minutes on an H200, models included. Run from the repository root with
#   .dev/payload.tar.xz  from  bash tools/bench/gpu/pack-offline.sh .dev
#   .gl/*.deb            Debian's libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 (apt-get download)
# carried along: bash tools/bench/gpu/device-check.sh "$OUT"
set -uo pipefail
out="${1:?usage: device-check.sh OUT_DIR}"
mkdir -p "$out/prof"
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$icd" ] && export VK_DRIVER_FILES="$icd"
run="bash tools/bench/gpu/run-offline.sh .dev"
gpu="--llamats-backend webgpu --gpu vulkan -t 1 -n 128"
show() { grep -v -e '^Warning' -e '^    at ' "$1" | tail -"${2:-12}"; }

timeout 120 $run probe >"$out/probe.txt" 2>&1
show "$out/probe.txt" 30
LLAMATS_BENCH_CPU_PROF="$out/prof" timeout 90 $run --models tinyllama-shape:Q4_K_M --peers llamats $gpu -p 16 -r 2 \
  >"$out/profile-run.txt" 2>&1
grep 't=1: pp' "$out/profile-run.txt"
for f in "$out"/prof/*.cpuprofile; do [ -f "$f" ] && .bench-node/node tools/bench/profile-summary.mjs "$f" 25; done
timeout 150 $run --models tinyllama-shape:Q4_K_M --peers llamats,node-llama-cpp $gpu -p 128,512 -r 3 \
  --json-out "$out/tiny.json" >"$out/tiny.txt" 2>&1
show "$out/tiny.txt" 7
timeout 200 $run --models llama7b-shape:Q4_K_M --peers llamats,node-llama-cpp $gpu -p 512 -r 3 \
  --json-out "$out/7b.json" >"$out/7b.txt" 2>&1
show "$out/7b.txt" 7
