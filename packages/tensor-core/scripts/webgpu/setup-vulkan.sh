#!/usr/bin/env bash
# Installs the software Vulkan drivers that the WebGPU tests run on in Node (Dawn through the `webgpu`
# package), so that CI and machines without a GPU test the WebGPU backend on two CPU adapters:
#   lavapipe    Mesa 25 (Debian bookworm-backports): shader-f16 and subgroups, 128 MiB bindings
#   swiftshader from Debian's chromium-common package: subgroups, no shader-f16 (tests the f32 fallbacks)
# Both are unpacked into packages/tensor-core/.cache/vulkan (gitignored) with an ICD json each; nothing
# of them is installed system-wide. System packages installed when missing: libvulkan1 (the loader) and
# the shared libraries lavapipe links (libllvm15, xcb, wayland-client...).
#
# Idempotent and quick once done (prints the ICD paths and exits). Exit codes: 0 ready; 3 impossible on
# this machine (not Linux x86-64 with apt, or not root while a system package is missing): the tests
# skip with this script's message; anything else is a real failure.
set -euo pipefail

PKG_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${LLAMATS_VULKAN_CACHE:-$PKG_DIR/.cache/vulkan}"
LVP_JSON="$CACHE/lavapipe/icd.json"
SWS_JSON="$CACHE/swiftshader/icd.json"
LIBDIR=/usr/lib/x86_64-linux-gnu

impossible() { echo "setup-vulkan: $*" >&2; exit 3; }
fail() { echo "setup-vulkan: $*" >&2; exit 1; }
# Nothing here may wait for ever (a test process blocks on this script): apt gives up on a silent
# mirror after 60 s, waits up to 5 minutes for another apt or dpkg to let go of its lock, and every
# apt-get run is ended after 10 minutes.
export DEBIAN_FRONTEND=noninteractive
APT_LIMITS=(-o Acquire::http::Timeout=60 -o Acquire::https::Timeout=60 -o Acquire::Retries=2
  -o DPkg::Lock::Timeout=300)
apt_get() { timeout -k 10 600 apt-get "${APT_LIMITS[@]}" "$@"; }
# Retries a command that talks to the package mirrors (a dropped connection on a shared CI machine
# must not fail every WebGPU test): 4 tries, 3 s apart.
retry() {
  local i
  for i in 1 2 3; do "$@" && return 0; echo "setup-vulkan: retrying ($i): $*" >&2; sleep 3; done
  "$@"
}
have_lib() { [ -e "$LIBDIR/$1" ] || [ -e "/lib/x86_64-linux-gnu/$1" ]; }

missing_libs() {
  # Libraries lavapipe needs at run time, as "file:package".
  local pairs="libvulkan.so.1:libvulkan1 libLLVM-15.so.1:libllvm15 libxcb-dri3.so.0:libxcb-dri3-0
    libxcb-present.so.0:libxcb-present0 libxcb-randr.so.0:libxcb-randr0 libxcb-sync.so.1:libxcb-sync1
    libxcb-shm.so.0:libxcb-shm0 libxcb-xfixes.so.0:libxcb-xfixes0 libX11-xcb.so.1:libx11-xcb1
    libxshmfence.so.1:libxshmfence1 libwayland-client.so.0:libwayland-client0 libdrm.so.2:libdrm2
    libzstd.so.1:libzstd1 libexpat.so.1:libexpat1 libz3.so.4:libz3-4"
  local p
  for p in $pairs; do have_lib "${p%%:*}" || echo "${p##*:}"; done
}

ready() { [ -s "$LVP_JSON" ] && [ -s "$SWS_JSON" ] && [ -z "$(missing_libs)" ]; }

if ready; then
  echo "lavapipe=$LVP_JSON"
  echo "swiftshader=$SWS_JSON"
  exit 0
fi

[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || impossible "software Vulkan setup supports Linux x86-64 only"
command -v apt-get >/dev/null && command -v dpkg >/dev/null || impossible "apt-get and dpkg are needed (Debian)"

# Concurrent test workers may call this at once: one does the work, the others wait for it.
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock -w 1200 9 || fail "another setup-vulkan.sh has held $CACHE/.lock for 20 minutes; is it stuck?"
if ready; then
  echo "lavapipe=$LVP_JSON"
  echo "swiftshader=$SWS_JSON"
  exit 0
fi

missing="$(missing_libs | tr '\n' ' ')"
if [ -n "${missing// /}" ]; then
  [ "$(id -u)" = 0 ] || impossible "system packages missing ($missing); run this script as root once"
  echo "setup-vulkan: installing $missing" >&2
  # shellcheck disable=SC2086
  if ! apt_get install -y --no-install-recommends $missing >/dev/null 2>&1; then
    retry apt_get update -qq >/dev/null
    # shellcheck disable=SC2086
    retry apt_get install -y -qq --no-install-recommends $missing >/dev/null
  fi
fi

# A private apt configuration: the machine's own Debian sources plus bookworm-backports, with lists and
# downloads kept under the cache so the system's apt state is left as it is.
APT="$CACHE/apt"
mkdir -p "$APT/lists/partial" "$APT/archives/partial" "$APT/sources"
rm -f "$APT"/sources/*
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  cp /etc/apt/sources.list.d/debian.sources "$APT/sources/debian.sources"
  awk 'BEGIN { RS = ""; ORS = "\n\n" } /Suites:[^\n]*bookworm( |\n|$)/ && !/security/ { print; exit }' \
    /etc/apt/sources.list.d/debian.sources | sed -E 's/^Suites:.*/Suites: bookworm-backports/' \
    > "$APT/sources/backports.sources"
elif [ -f /etc/apt/sources.list ]; then
  grep -E '^deb ' /etc/apt/sources.list > "$APT/sources/debian.list" || true
  grep -E '^deb [^ ]+ bookworm main' /etc/apt/sources.list | head -1 | sed -E 's/ bookworm / bookworm-backports /' \
    >> "$APT/sources/debian.list" || true
fi
[ -n "$(cat "$APT"/sources/* 2>/dev/null)" ] || impossible "no Debian apt sources found in /etc/apt"
APT_OPTS=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$APT/sources"
  -o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT" -o "Dir::Cache::archives=$APT/archives"
  -o "Debug::NoLocking=1" -o "APT::Get::List-Cleanup=0" -o "APT::Sandbox::User=root")
retry apt_get "${APT_OPTS[@]}" update -qq >/dev/null

download() { # package[/release] -> path of the .deb
  local dir
  dir="$(mktemp -d "$APT/dl.XXXXXX")"
  (cd "$dir" && retry apt_get "${APT_OPTS[@]}" download -qq "$1" >/dev/null)
  ls "$dir"/*.deb
}

if [ ! -s "$LVP_JSON" ]; then
  deb="$(download mesa-vulkan-drivers/bookworm-backports)"
  rm -rf "$CACHE/lavapipe" "$APT/x"
  dpkg -x "$deb" "$APT/x"
  mkdir -p "$CACHE/lavapipe"
  cp "$APT/x/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so" "$CACHE/lavapipe/"
  printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "%s", "api_version": "1.3.0" } }\n' \
    "$CACHE/lavapipe/libvulkan_lvp.so" > "$LVP_JSON.tmp"
  mv "$LVP_JSON.tmp" "$LVP_JSON"
  rm -rf "$APT/x" "$(dirname "$deb")"
fi

if [ ! -s "$SWS_JSON" ]; then
  deb="$(download chromium-common)"
  rm -rf "$CACHE/swiftshader" "$APT/x"
  dpkg -x "$deb" "$APT/x"
  mkdir -p "$CACHE/swiftshader"
  cp "$APT/x/usr/lib/chromium/libvk_swiftshader.so" "$CACHE/swiftshader/"
  printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "%s", "api_version": "1.0.5" } }\n' \
    "$CACHE/swiftshader/libvk_swiftshader.so" > "$SWS_JSON.tmp"
  mv "$SWS_JSON.tmp" "$SWS_JSON"
  rm -rf "$APT/x" "$(dirname "$deb")"
fi

rm -rf "$APT" # the private apt lists are only needed for the downloads above
echo "lavapipe=$LVP_JSON"
echo "swiftshader=$SWS_JSON"
