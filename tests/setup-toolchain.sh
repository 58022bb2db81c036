#!/usr/bin/env bash
# Installs the build and test toolchain from Debian's archive when something is missing:
# Emscripten (wasm build, with binaryen's wasm-dis), CMake, g++ and GoogleTest (native tests),
# curl (CMake fetches SentencePiece's pinned release with wasm/third_party/fetch-sentencepiece.sh),
# and, for the browser test only, Chromium with a Korean font.
set -euo pipefail

required=()
command -v emcc >/dev/null || required+=(emscripten)
command -v wasm-dis >/dev/null || required+=(binaryen)
command -v cmake >/dev/null || required+=(cmake)
command -v g++ >/dev/null || required+=(g++)
command -v curl >/dev/null || required+=(curl ca-certificates)
[ -f /usr/include/gtest/gtest.h ] || required+=(libgtest-dev)
browser=()
[ -x /usr/bin/chromium ] || browser+=(chromium)
# A Korean font makes the browser test's screenshots readable.
fc-list :lang=ko 2>/dev/null | grep -q . || browser+=(fonts-nanum)
[ ${#required[@]} -eq 0 ] && [ ${#browser[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup-toolchain: run as root or install: ${required[*]} ${browser[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
if [ ${#required[@]} -gt 0 ]; then
  echo "setup-toolchain: installing ${required[*]} from Debian's archive" >&2
  $SUDO apt-get install -y -qq --no-install-recommends "${required[@]}" >/dev/null
fi
if [ ${#browser[@]} -gt 0 ]; then
  echo "setup-toolchain: installing ${browser[*]} for the browser test" >&2
  # Optional: without Chromium the browser test skips itself with a message.
  $SUDO apt-get install -y -qq --no-install-recommends "${browser[@]}" >/dev/null ||
    echo "setup-toolchain: could not install ${browser[*]}; the browser test will be skipped" >&2
fi
