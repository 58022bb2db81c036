#!/usr/bin/env bash
# Installs the build and test toolchain from Debian's archive when something is missing:
# Emscripten (wasm build, with binaryen's wasm-dis), CMake, g++ and GoogleTest (native tests).
set -euo pipefail

missing=()
command -v emcc >/dev/null || missing+=(emscripten)
command -v wasm-dis >/dev/null || missing+=(binaryen)
command -v cmake >/dev/null || missing+=(cmake)
command -v g++ >/dev/null || missing+=(g++)
[ -f /usr/include/gtest/gtest.h ] || missing+=(libgtest-dev)
# The browser test drives Debian's Chromium; a Korean font makes its screenshots readable.
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list :lang=ko 2>/dev/null | grep -q . || missing+=(fonts-nanum)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup-toolchain: installing ${missing[*]} from Debian's archive" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup-toolchain: run as root or install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
