#!/usr/bin/env bash
# Builds and runs the whole test suite twice: a normal build (warnings are errors) and an
# AddressSanitizer + UndefinedBehaviorSanitizer build; then fuzzes the front end for a bounded time
# (scripts/fuzz_frontend.sh, 60 s; MIDLC_FUZZ_SECONDS changes it). Installs missing packages first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

jobs=$(nproc)
run_suite() {
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMIDLC_WERROR=ON "$@"
  cmake --build "$dir" -j "$jobs"
  (cd "$dir" && ctest --output-on-failure -j "$jobs")
}

echo "== normal build"
run_suite build
echo "== sanitizer build (address, undefined)"
run_suite build-asan -DMIDLC_SANITIZE=address,undefined -DMIDLC_BUILD_BENCH=OFF
echo "== front-end fuzzing (clang, libFuzzer + address, undefined)"
scripts/fuzz_frontend.sh "${MIDLC_FUZZ_SECONDS:-60}"
