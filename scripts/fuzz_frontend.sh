#!/usr/bin/env bash
# Builds the front end's libFuzzer target with clang (tests/fuzz, in build-fuzz/) and runs it for a bounded
# time: fuzz_frontend.sh [SECONDS] (default 60). Seeds: every IDL file under tests/, run through cpp as midlc
# would (an .acf beside one joins it after a NUL byte, as the target reads it). Fails on any crash, sanitizer
# report, leak, per-input timeout (10 s) or out-of-memory (2 GB) the fuzzer finds; the input is left in
# build-fuzz/fuzz-crash-* (or leak-, timeout-, oom-) to replay: build-fuzz/tests/fuzz/midlc_fuzz_frontend FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
dir=$(scripts/fuzz_configure.sh)
cmake --build "$dir" -j "$(nproc)" --target midlc_fuzz_frontend

seeds="$dir/fuzz-seeds"
corpus="$dir/fuzz-corpus"  # kept between runs: what one run found, the next starts from
rm -rf "$seeds"
mkdir -p "$seeds" "$corpus"
n=0
while IFS= read -r -d '' idl; do
  out="$seeds/$(printf '%04d' "$n")"
  cpp -E -P -x c -undef -D__midl=501 -D__MIDLC__=1 -I runtime/idl -I "$(dirname "$idl")" "$idl" >"$out" 2>/dev/null ||
    cp "$idl" "$out"
  acf="${idl%.idl}.acf"
  if [ -f "$acf" ]; then
    printf '\0' >>"$out"
    cat "$acf" >>"$out"
  fi
  n=$((n + 1))
done < <(find tests -name '*.idl' -print0 | sort -z)
echo "fuzz_frontend: $n seeds, $seconds s"

"$dir/tests/fuzz/midlc_fuzz_frontend" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=65536 -print_final_stats=1 -artifact_prefix="$dir/fuzz-" "$corpus" "$seeds"
