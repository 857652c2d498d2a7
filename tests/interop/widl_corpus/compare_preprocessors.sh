#!/usr/bin/env bash
# midlc's own preprocessor against the system's cpp on Wine's IDL files: every file in the corpus folder
# compiled twice (header, client and server), once with each (--cpp-cmd cpp); the generated files must be
# byte-identical and the errors the same (a file refused is refused for the same reasons, at the same
# places). Warnings may differ: gcc reports some without a column. Exits 77 (skipped) without the corpus.
#
# usage: compare_preprocessors.sh MIDLC [CORPUS_DIR]
#   MIDLC_CORPUS_JOBS=N  files compiled in parallel (default 2)
set -uo pipefail

midlc=$1
corpus=${2:-/usr/include/wine/wine/windows}
jobs=${MIDLC_CORPUS_JOBS:-2}
if [ ! -d "$corpus" ]; then
  echo "compare_preprocessors: $corpus is missing (Debian package libwine-dev); skipped"
  exit 77
fi
command -v cpp > /dev/null || { echo "compare_preprocessors: no cpp to compare with; skipped"; exit 77; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export midlc corpus work
for mode in builtin cpp; do
  mkdir -p "$work/$mode"
  (cd "$corpus" && ls -- *.idl) | xargs -P "$jobs" -I{} sh -c '
    mode='"$mode"'
    set -- --no-default-imports -I "$corpus" -D__WIDL__ --header --client --server -o "$work/$mode/{}.out"
    [ "$mode" = cpp ] && set -- --cpp-cmd cpp "$@"
    mkdir -p "$work/$mode/{}.out"
    "$midlc" "$@" "$corpus/{}" > "$work/$mode/{}.log" 2>&1
    echo "exit $?" > "$work/$mode/{}.status"
    grep ": error: " "$work/$mode/{}.log" >> "$work/$mode/{}.status"
    rm "$work/$mode/{}.log"'
done
count=$(ls "$work/builtin" | grep -c '\.status$')
if ! diff -r "$work/builtin" "$work/cpp" > "$work/diff.txt"; then
  head -100 "$work/diff.txt"
  echo "compare_preprocessors: midlc's preprocessor and cpp differ (above; < builtin, > cpp)"
  exit 1
fi
refused=$(grep -L '^exit 0$' "$work/builtin"/*.status | wc -l)
echo "compare_preprocessors: $count files, the same outputs and errors with both ($refused refused by both)"
