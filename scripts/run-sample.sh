#!/usr/bin/env bash
# The README's first command: installs what is missing, builds midlc and the runtime, and runs midlc on
# the bundled calculator sample (IDL + ACF), printing the checked model's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMIDLC_WERROR=ON
cmake --build build -j "$(nproc)" --target midlc
echo "== midlc samples/calculator/calculator.idl"
build/src/midlc samples/calculator/calculator.idl
