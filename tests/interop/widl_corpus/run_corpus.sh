#!/usr/bin/env bash
# Runs midlc over Wine's system IDL files (Debian's libwine-dev) that widl accepts and midlc must accept:
# exits 0 if midlc accepts every file in the list, or refuses it only in its remoting checks (what no
# remote call can carry, "... cannot be marshaled: ...", which widl refuses too when asked for proxies with
# -p; or what midlc cannot generate yet, "cannot generate ...": interface pointers...); 1 with the names of
# the files it rejects for anything else; 77 (skipped) if the corpus is not installed.
#
# usage: run_corpus.sh MIDLC LIST [CORPUS_DIR]
#   MIDLC_CORPUS_STRIDE=N  checks every Nth listed file only (sanitizer builds, to keep the time down)
#   MIDLC_CORPUS_JOBS=N    files compiled in parallel (default 2)
set -uo pipefail

midlc=$1
list=$2
corpus=${3:-/usr/include/wine/wine/windows}
stride=${MIDLC_CORPUS_STRIDE:-1}
jobs=${MIDLC_CORPUS_JOBS:-2}

if [ ! -d "$corpus" ]; then
  echo "widl_corpus: $corpus is missing (Debian package libwine-dev); skipped"
  exit 77
fi
[ -x "$midlc" ] || { echo "widl_corpus: $midlc is not executable"; exit 1; }

files=$(grep -v '^[[:space:]]*\(#\|$\)' "$list" | awk -v s="$stride" '(NR - 1) % s == 0')
missing=()
for f in $files; do [ -f "$corpus/$f" ] || missing+=("$f"); done
if [ ${#missing[@]} -ne 0 ]; then
  echo "widl_corpus: listed files missing from $corpus: ${missing[*]}"
  exit 1
fi

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
export midlc corpus logs
# Each file as widl compiles it in Wine: the corpus folder on the include path, __WIDL__ defined.
printf '%s\n' $files | xargs -P "$jobs" -I{} sh -c \
  '"$midlc" --no-default-imports -I "$corpus" -D__WIDL__ "$corpus/{}" > "$logs/{}.log" 2>&1 || echo "{}" > "$logs/{}.rejected"'

# A file refused only by the remoting checks is refused on principle or for a limit of midlc, not a bug.
remoting=': error: (cannot generate |.* cannot be marshaled: )'
refused=""
for f in $(cd "$logs" && ls -- *.rejected 2>/dev/null | sed 's/\.rejected$//' | sort); do
  if grep ': error: ' "$logs/$f.log" | grep -Eqv "$remoting"; then
    continue
  fi
  refused="$refused $f"
  rm "$logs/$f.rejected"
done
rejected=$(cd "$logs" && ls -- *.rejected 2>/dev/null | sed 's/\.rejected$//' | sort)
count=$(printf '%s\n' $files | wc -l)
limited=$(echo $refused | wc -w)
if [ -n "$rejected" ]; then
  for f in $rejected; do
    echo "== midlc rejects $f:"
    grep -m 5 ': error: ' "$logs/$f.log"
  done
  echo "widl_corpus: midlc rejects $(echo "$rejected" | wc -l) of $count files: $(echo $rejected)"
  exit 1
fi
if [ -n "$refused" ]; then
  echo "widl_corpus: refused by the remoting checks:$refused"
  echo "widl_corpus: the errors of those files, by reason:"
  cat "$logs"/*.log | grep -E "$remoting" | sed 's/.*: \([^:]*\)$/\1/' | sort | uniq -c | sort -rn
fi
echo "widl_corpus: of $count files, midlc accepts $((count - limited)); the remoting checks refuse $limited"
