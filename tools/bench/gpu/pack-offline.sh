#!/usr/bin/env bash
# Packs what the GPU bench needs into one archive for a machine that has a GPU but no network (the
# `device` machine): the Node binary running this script, the bench bundled by esbuild (scripts/run.mjs),
# Dawn's `webgpu` addon for linux-x64, and node-llama-cpp with its Vulkan prebuilt (its CPU build, wllama
# and playwright left out). Usage: bash tools/bench/gpu/pack-offline.sh OUT_DIR
# Then, on the GPU machine, in a checkout of the same commit: bash tools/bench/gpu/run-offline.sh OUT_DIR
set -euo pipefail
out="$(realpath -m "${1:?usage: pack-offline.sh OUT_DIR}")"
root="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$root"
mkdir -p "$out"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

# The bench bundle: build it without running it (run.mjs bundles, then runs main.mjs with --help).
node tools/make-model/scripts/run.mjs tools/bench src/main.ts src/runner.ts src/gpu-probe.ts -- --help >/dev/null
mkdir -p "$stage/tools/bench/node_modules/.cache/run" "$stage/tools/bench/node_modules/webgpu/dist/linux-x64"
cp tools/bench/node_modules/.cache/run/{main,runner,gpu-probe}.mjs "$stage/tools/bench/node_modules/.cache/run/"
webgpu="$(realpath tools/bench/node_modules/webgpu)"
cp "$webgpu"/{index.js,package.json} "$stage/tools/bench/node_modules/webgpu/"
cp "$webgpu/dist/linux-x64/dawn.node" "$stage/tools/bench/node_modules/webgpu/dist/linux-x64/"

# node-llama-cpp and its dependencies, without what a prebuilt GPU run never reads.
peers=tools/bench/peers/node_modules
[ -d "$peers/@node-llama-cpp/linux-x64-vulkan" ] || (cd tools/bench/peers && npm ci --omit=optional --ignore-scripts)
mkdir -p "$stage/$peers"
cp tools/bench/peers/package.json "$stage/tools/bench/peers/"
(cd "$peers" && tar cf - --exclude=./@wllama --exclude=./playwright-core --exclude=./@node-llama-cpp/linux-x64 \
  --exclude=./node-llama-cpp/llama/gitRelease.bundle .) | tar xf - -C "$stage/$peers"

cp "$(command -v node)" "$stage/node"
tar cf - -C "$stage" . | xz -T0 -9 >"$out/payload.tar.xz"
ls -la "$out/payload.tar.xz"
