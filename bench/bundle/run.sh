#!/usr/bin/env bash
# Runs the webgpu-deconv GPU benchmark from its bundle (built by `npm run bench:bundle`):
#
#   bash run.sh OUT_DIR [BUDGET_SECONDS] [benchmark options, e.g. --layers a,b --batch 8]
#
# Unpacks Node and Dawn into a temporary folder, brings up the Vulkan loader when this machine
# lacks it (from the .deb files in debs/ or in a .gl/ folder), picks the NVIDIA Vulkan driver
# when there is one (else SwiftShader, else whatever the loader finds), prints the adapter and
# its limits, and runs the benchmark within BUDGET_SECONDS (default 480). Writes bench.json,
# bench.md and run.log into OUT_DIR. Needs bash, coreutils, and xz or python3.
# Environment: VK_ICD_FILENAMES or VK_DRIVER_FILES set by the caller are kept. VULKAN_DEBS=auto
# (default: unpack the packages whose libraries are missing; as root into / followed by
# ldconfig, otherwise into the temporary folder with LD_LIBRARY_PATH), private (always
# unpack into the temporary folder), or skip.
set -euo pipefail
start=$SECONDS
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ $# -lt 1 ] || [[ $1 == -* ]]; then
  sed -n '2,15p' "${BASH_SOURCE[0]}"
  exit 2
fi
invocation="bash ${BASH_SOURCE[0]} $*"
out=$1
shift
budget=480
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
  budget=$1
  shift
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
logfile=$out/run.log
: >"$logfile"
say() { echo "[run.sh] $*" | tee -a "$logfile"; }

work=$(mktemp -d "${TMPDIR:-/tmp}/webgpu-deconv-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- Node and Dawn ---------------------------------------------------------------------
unxz_to() {
  if command -v xz >/dev/null; then
    xz -dc "$1" >"$2"
  elif command -v python3 >/dev/null; then
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"
  else
    say "neither xz nor python3 is available to unpack $1"
    exit 2
  fi
}
say "bundle $here; unpacking Node and Dawn into $work"
unxz_to "$here/node.xz" "$work/node"
chmod +x "$work/node"
mkdir -p "$work/node_modules/webgpu/dist/linux-x64"
cp "$here/webgpu/package.json" "$here/webgpu/index.js" "$work/node_modules/webgpu/"
unxz_to "$here/webgpu/dawn.node.xz" "$work/node_modules/webgpu/dist/linux-x64/dawn.node"
cp "$here/bench.mjs" "$work/"
say "node $("$work/node" --version), $(uname -srm)"

# --- the Vulkan loader -----------------------------------------------------------------
# Libraries by soname: in the linker's cache, the usual folders, or LD_LIBRARY_PATH.
has_lib() {
  local d cache
  cache=$({ ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true; } | awk 'NR > 1 { print $1 }')
  grep -qxF "$1" <<<"$cache" && return 0
  for d in /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu /usr/lib64 ${LD_LIBRARY_PATH//:/ }; do
    [ -e "$d/$1" ] && return 0
  done
  return 1
}
mode=${VULKAN_DEBS:-auto}
debs=()
declare -A seen=()
for dir in "$here/debs" "$PWD/.gl" "$here/../.gl"; do
  for f in "$dir"/*.deb; do
    [ -e "$f" ] || continue
    name=$(basename "$f")
    [ -n "${seen[$name]:-}" ] && continue
    seen[$name]=1
    debs+=("$f")
  done
done
if [ "$mode" != skip ] && [ ${#debs[@]} -gt 0 ]; then
  if ! command -v dpkg-deb >/dev/null; then
    say "dpkg-deb is missing: the ${#debs[@]} .deb files brought along stay packed"
  else
    needed=()
    for f in "${debs[@]}"; do
      for lib in $(dpkg-deb -c "$f" | awk '{ print $6 }' | grep -E '\.so\.[0-9]+$' | xargs -r -n1 basename); do
        if [ "$mode" = private ] || ! has_lib "$lib"; then
          needed+=("$f")
          break
        fi
      done
    done
    if [ ${#needed[@]} -eq 0 ]; then
      say "the libraries of the ${#debs[@]} .deb files brought along are already here"
    elif [ "$mode" = auto ] && [ "$(id -u)" = 0 ]; then
      for f in "${needed[@]}"; do dpkg -x "$f" /; done
      ldconfig
      say "unpacked into / (then ldconfig): ${needed[*]##*/}"
    else
      for f in "${needed[@]}"; do dpkg-deb -x "$f" "$work/vk"; done
      export LD_LIBRARY_PATH="$work/vk/usr/lib/x86_64-linux-gnu:$work/vk/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
      say "unpacked into $work/vk (LD_LIBRARY_PATH): ${needed[*]##*/}"
    fi
  fi
fi
if ! has_lib libvulkan.so.1; then
  say "warning: no Vulkan loader (libvulkan.so.1) here and none brought along, so Dawn will find no adapter;" \
    "build the bundle where apt-get works, or carry a .gl/ folder of Debian's libvulkan1 (docs/benchmark.md)"
fi

# --- the Vulkan driver -----------------------------------------------------------------
if [ -n "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ]; then
  say "Vulkan driver chosen by the caller: ${VK_DRIVER_FILES:-$VK_ICD_FILENAMES}"
else
  nvidia=
  for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
    /etc/vulkan/icd.d/nvidia_icd.json; do
    if [ -e "$f" ]; then
      nvidia=$f
      break
    fi
  done
  if [ -n "$nvidia" ]; then
    export VK_DRIVER_FILES=$nvidia VK_ICD_FILENAMES=$nvidia
    say "NVIDIA Vulkan driver: $nvidia"
    # Its library by bare name must be findable; NVIDIA's containers keep it in /usr/local/nvidia.
    lib=$(sed -n 's/.*"library_path" *: *"\([^"]*\)".*/\1/p' "$nvidia" | head -n1)
    if [ -n "$lib" ] && [[ $lib != */* ]] && ! has_lib "$lib"; then
      for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
        if [ -e "$d/$lib" ]; then
          export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
          say "$lib found in $d (LD_LIBRARY_PATH)"
          break
        fi
      done
    fi
  elif [ -e /usr/lib/chromium/vk_swiftshader_icd.json ]; then
    export VK_DRIVER_FILES=/usr/lib/chromium/vk_swiftshader_icd.json VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
    say "no NVIDIA driver; SwiftShader (Chromium's Vulkan driver, software): $VK_ICD_FILENAMES"
  else
    say "no NVIDIA or SwiftShader driver file: the Vulkan loader picks from" \
      "$(ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>/dev/null | grep json | tr '\n' ' ')"
  fi
fi
if command -v nvidia-smi >/dev/null; then
  say "nvidia-smi: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -n 4 | tr '\n' ';')"
fi
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$work}

# --- the benchmark ---------------------------------------------------------------------
left=$((budget - (SECONDS - start)))
[ "$left" -ge 10 ] || left=10
say "benchmark: $left s left of the $budget s budget"
cmd=("$work/node" "$work/bench.mjs" --out "$out" --budget "$left" --manifest "$here/manifest.json" --command "$invocation" "$@")
set +e
if command -v timeout >/dev/null; then
  # A hang must not eat the machine's time: stop 30 s past the budget (bench.json keeps finished layers).
  timeout -k 10 $((left + 30)) "${cmd[@]}" 2>&1 | tee -a "$logfile"
else
  "${cmd[@]}" 2>&1 | tee -a "$logfile"
fi
status=${PIPESTATUS[0]}
set -e
[ "$status" != 124 ] || say "stopped 30 s past the budget; bench.json holds the layers finished before"
say "exit status $status; results in $out (bench.json, bench.md, run.log)"
exit "$status"
