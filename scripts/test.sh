#!/usr/bin/env bash
# Builds and runs the whole test suite twice: a normal build (warnings are errors) and an
# AddressSanitizer + UndefinedBehaviorSanitizer build, which leaves out the tests labelled `slow` (the widl
# corpus compile and the FetchContent package build: compiler-heavy, run by the normal build) and compiles
# at -Og -g1 without the golden files' compile-only objects; then fuzzes
# the front end, the runtime's protocol and the stubs midlc generates for the samples and tests, each for a
# bounded time (scripts/fuzz_frontend.sh, 60 s; scripts/fuzz_rpc.sh, 30 s per target; scripts/fuzz_stubs.sh,
# 10 s per IDL file; MIDLC_FUZZ_SECONDS, MIDLC_FUZZ_RPC_SECONDS and MIDLC_FUZZ_STUB_SECONDS set them).
# Installs missing packages first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

jobs=$(nproc)
run_suite() {
  local dir=$1 ctest_args=$2; shift 2
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMIDLC_WERROR=ON "$@"
  cmake --build "$dir" -j "$jobs"
  # shellcheck disable=SC2086  # ctest_args is a word list
  (cd "$dir" && ctest --output-on-failure -j "$jobs" $ctest_args)
}

echo "== normal build"
run_suite build ""
echo "== sanitizer build (address, undefined; tests labelled slow left to the normal build)"
# -Og -g1: a third of -O2 -g's compile time (that build was 19 of CI's 52 minutes, now 7); the normal build
# compiles with the optimizer's warnings, and -g1's line tables are what a sanitizer's report needs.
run_suite build-asan "-LE slow" -DMIDLC_SANITIZE=address,undefined -DMIDLC_BUILD_BENCH=OFF \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-Og -g1 -DNDEBUG" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-Og -g1 -DNDEBUG"
echo "== front-end fuzzing (clang, libFuzzer + address, undefined)"
scripts/fuzz_frontend.sh "${MIDLC_FUZZ_SECONDS:-60}"
echo "== runtime protocol fuzzing (clang, libFuzzer + address, undefined)"
scripts/fuzz_rpc.sh "${MIDLC_FUZZ_RPC_SECONDS:-30}"
echo "== generated stub fuzzing (midlc --fuzz; clang, libFuzzer + address, undefined)"
scripts/fuzz_stubs.sh "${MIDLC_FUZZ_STUB_SECONDS:-10}"
