#!/usr/bin/env bash
# Builds the libFuzzer targets midlc generates for the samples' and tests' IDL files (midlc --fuzz; the list
# is in tests/fuzz/CMakeLists.txt, each target stubs_<name>_fuzz, in build-fuzz/ as fuzz_frontend.sh does)
# and runs each for a bounded time: fuzz_stubs.sh [SECONDS] (default 10 per target). An input's first two
# bytes choose an operation and a side; the rest is request stub data for the server stub or reply stub data
# for the client function. Fails on any crash, sanitizer report, leak, per-input timeout (10 s) or
# out-of-memory (2 GB); the input is left in build-fuzz/fuzz-stubs-<name>-* to replay.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
dir=$(scripts/fuzz_configure.sh)
mapfile -t targets < <(ninja -C "$dir" -t targets all | grep -o '^stubs_[a-z_]*_fuzz' | sort -u)
if [ "${#targets[@]}" -eq 0 ]; then
  echo "fuzz_stubs: no stubs_*_fuzz targets in $dir" >&2
  exit 1
fi
cmake --build "$dir" -j "$(nproc)" --target "${targets[@]}"

for target in "${targets[@]}"; do
  name=${target#stubs_}
  name=${name%_fuzz}
  corpus="$dir/fuzz-stubs-$name-corpus"  # kept between runs
  mkdir -p "$corpus"
  echo "fuzz_stubs: $name, $seconds s"
  "$dir/tests/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$dir/fuzz-stubs-$name-" "$corpus"
done
