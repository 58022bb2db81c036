#!/usr/bin/env bash
# Builds the C++ core: natively (unit tests) and to WebAssembly (copied into js/wasm/).
#   wasm/build.sh           both
#   wasm/build.sh native    native only
#   wasm/build.sh wasm      WebAssembly only
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
jobs="$(nproc 2>/dev/null || echo 2)"

if [ "$what" = all ] || [ "$what" = native ]; then
  cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build/native -j "$jobs"
fi
if [ "$what" = all ] || [ "$what" = wasm ]; then
  # Debian's emscripten keeps its JS helpers (acorn, ...) in /usr/share/nodejs, which a
  # nodesource Node does not search by default.
  export NODE_PATH="${NODE_PATH:+$NODE_PATH:}/usr/share/nodejs"
  # emcmake's default test emulator passes a flag Node 20 rejects.
  emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release -DCMAKE_CROSSCOMPILING_EMULATOR="$(command -v node)" >/dev/null
  cmake --build build/wasm -j "$jobs"
fi
