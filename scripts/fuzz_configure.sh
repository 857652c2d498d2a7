#!/usr/bin/env bash
# Configures the libFuzzer build folder (default build-fuzz/) that fuzz_frontend.sh and fuzz_rpc.sh build
# their targets in: clang, -O1 with line tables (a fraction of -O2's build time, exact lines in reports),
# MIDLC_BUILD_FUZZ, address and undefined sanitizers, no tests, benchmarks, samples or install rules.
# Prints the folder.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${MIDLC_FUZZ_BUILD_DIR:-build-fuzz}
CC=clang CXX=clang++ cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE= -DCMAKE_CXX_FLAGS="-O1 -gline-tables-only" \
  -DMIDLC_BUILD_FUZZ=ON \
  -DMIDLC_SANITIZE=address,undefined -DMIDLC_BUILD_TESTS=OFF -DMIDLC_BUILD_BENCH=OFF \
  -DMIDLC_BUILD_SAMPLES=OFF -DMIDLC_INSTALL=OFF >/dev/null
echo "$dir"
