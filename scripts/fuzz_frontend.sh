#!/usr/bin/env bash
# Builds the front end's libFuzzer target with clang (tests/fuzz, in build-fuzz/) and runs it for a bounded
# time: fuzz_frontend.sh [SECONDS] (default 60). Seeds: every IDL file under tests/, run through cpp as midlc
# would (an .acf beside one joins it after a NUL byte, as the target reads it). Fails on any crash, sanitizer
# report, leak, per-input timeout (10 s) or out-of-memory (2 GB) the fuzzer finds; the input is left in
# build-fuzz/fuzz-crash-* (or leak-, timeout-, oom-) to replay: build-fuzz/tests/fuzz/midlc_fuzz_frontend FILE.
# Then midlc's own preprocessor alone (midlc_fuzz_preprocessor) for half that time, seeded with the same
# files as written (directives and all) and midlc's own IDL folder; its finds are build-fuzz/pp-fuzz-*. Last,
# midlc's hand-written lexer against ANTLR's generated one (midlc_fuzz_lexer, a quarter of the time, the same
# seeds; any difference in the tokens is a crash, left in build-fuzz/lexer-fuzz-*).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
dir=$(scripts/fuzz_configure.sh)
cmake --build "$dir" -j "$(nproc)" --target midlc_fuzz_frontend midlc_fuzz_preprocessor midlc_fuzz_lexer

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

pp_seconds=$(((seconds + 1) / 2))
pp_seeds="$dir/pp-fuzz-seeds"
pp_corpus="$dir/pp-fuzz-corpus"
rm -rf "$pp_seeds"
mkdir -p "$pp_seeds" "$pp_corpus"
find tests runtime/idl -name '*.idl' -o -name '*.acf' -o -name '*.h' -path '*diagnostics*' | sort |
  while IFS= read -r f; do cp "$f" "$pp_seeds/$(echo "$f" | tr / _)"; done
echo "fuzz_frontend: the preprocessor, $(ls "$pp_seeds" | wc -l) seeds, $pp_seconds s"
"$dir/tests/fuzz/midlc_fuzz_preprocessor" -max_total_time="$pp_seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=65536 -print_final_stats=1 -artifact_prefix="$dir/pp-fuzz-" "$pp_corpus" "$pp_seeds"

lexer_seconds=$(((seconds + 3) / 4))
lexer_corpus="$dir/lexer-fuzz-corpus"
mkdir -p "$lexer_corpus"
echo "fuzz_frontend: the hand-written lexer against ANTLR's, $lexer_seconds s"
"$dir/tests/fuzz/midlc_fuzz_lexer" -max_total_time="$lexer_seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=16384 -print_final_stats=1 -artifact_prefix="$dir/lexer-fuzz-" "$lexer_corpus" "$pp_seeds"
