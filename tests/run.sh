#!/usr/bin/env bash
# The test command (npm test): toolchain, both C++ builds, C++ unit tests, a few seconds of
# fuzzing (tests/fuzz.sh, longer by hand), JavaScript and browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/setup-toolchain.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
bash wasm/build.sh
ctest --test-dir build/native --output-on-failure
bash tests/fuzz.sh 5
node --test --test-concurrency=1 tests/js/ tests/browser/
