#!/usr/bin/env bash
# midlc out of memory ends with "midlc: error: out of memory" and status 1, like any error, not with an
# internal error. Usage: out_of_memory.sh MIDLC. Skipped (77) for a sanitizer build, whose shadow memory
# cannot live under an address-space limit.
set -euo pipefail
midlc=$1
# (grep reads all of ldd's output: with -q it may stop early, and under pipefail ldd's SIGPIPE would then
# make the test run, and fail, on a sanitizer build.)
if ldd "$midlc" 2>/dev/null | grep 'libasan\|libtsan' >/dev/null; then exit 77; fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for ((i = 0; i < 300000; ++i)); do echo "const long C$i = $i;"; done >"$dir/big.idl"
status=0
(ulimit -v 400000 && "$midlc" --no-cpp "$dir/big.idl") >"$dir/out" 2>"$dir/err" || status=$?
if [ "$status" -ne 1 ] || ! grep -qx 'midlc: error: out of memory' "$dir/err"; then
  echo "expected status 1 and 'midlc: error: out of memory', got status $status:"
  head -c 2000 "$dir/err"
  exit 1
fi
echo "out of memory reported cleanly"
