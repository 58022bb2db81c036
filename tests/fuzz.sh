#!/usr/bin/env bash
# libFuzzer with AddressSanitizer and UndefinedBehaviorSanitizer on the native build of the C++
# tokenizer and of SentencePiece model loading (clang from Debian's archive). First every kept
# input runs once (tests/fuzz/<target>/: seeds and every crasher found so far, kept as regression
# cases), then each target is fuzzed.
#   tests/fuzz.sh            10 s per target (tests/run.sh runs it with 5)
#   tests/fuzz.sh 600        longer, by hand
# A crash, leak or sanitizer report fails the script; the input that caused it is printed and
# left in build/fuzz/artifacts/: copy it into tests/fuzz/<target>/ with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
# Debian's emscripten brings clang-14 with libFuzzer and the sanitizer runtimes.
cc="$(command -v clang || command -v clang-14)"
cxx="$(command -v clang++ || command -v clang++-14)"
CC="$cc" CXX="$cxx" cmake -S . -B build/fuzz -DGMATRIX_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/fuzz -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
mkdir -p build/fuzz/artifacts
for target in tokenizer vocab sentencepiece; do
  fuzzer="build/fuzz/${target}_fuzzer"
  kept="tests/fuzz/${target}"
  "$fuzzer" -runs=0 "$kept" 2>build/fuzz/${target}-regressions.log ||
    { cat build/fuzz/${target}-regressions.log >&2; echo "fuzz: a kept ${target} input fails" >&2; exit 1; }
  # New inputs go to a scratch corpus (first directory); the kept ones only seed it.
  corpus="build/fuzz/corpus-${target}"
  mkdir -p "$corpus"
  "$fuzzer" -max_total_time="$seconds" -seed=1 -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix=build/fuzz/artifacts/${target}- "$corpus" "$kept" 2>build/fuzz/${target}.log ||
    { tail -40 build/fuzz/${target}.log >&2; echo "fuzz: ${target} failed; see build/fuzz/artifacts/" >&2; exit 1; }
  echo "fuzz ${target}: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' build/fuzz/${target}.log | tail -1), corpus $(ls "$corpus" | wc -l) inputs"
done
