#!/bin/sh
# A midlc copied out of its build tree finds its IDL folder beside itself (<prefix>/share/midlc/idl, the
# installed layout), never in the source tree; MIDLC_IDL_DIR overrides it.
# Usage: relocated_midlc.sh <built midlc> <the source tree's runtime/idl>
set -eu
midlc=$1
source_idl=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$tmp/prefix/bin" "$tmp/prefix/share/midlc/idl" "$tmp/out" "$tmp/alone/bin"
cp "$midlc" "$tmp/prefix/bin/midlc"
cp "$midlc" "$tmp/alone/bin/midlc"
cp "$source_idl"/*.idl "$tmp/prefix/share/midlc/idl/"
# In a folder named like MIDL's /out, to check that the path stays a file name.
cat > "$tmp/out/x.idl" <<'IDL'
import "unknwn.idl";
[object, uuid(0b3f8a34-1b1e-4c55-9d1e-3f2a7c9e0a11)]
interface IThing : IUnknown { HRESULT Poke([in] long n); }
IDL

# Installed layout: the import resolves in <prefix>/share/midlc/idl, and --help says so.
"$tmp/prefix/bin/midlc" /out "$tmp/gen" --depfile "$tmp/x.d" "$tmp/out/x.idl" || fail "installed midlc failed"
grep -q "$tmp/prefix/share/midlc/idl/unknwn.idl" "$tmp/x.d" || fail "unknwn.idl not read from the prefix: $(cat "$tmp/x.d")"
grep -q '<midlrt/idl/unknwn.h>' "$tmp/gen/x.h" || fail "the header does not include midlc's own unknwn.h"
[ -f "$tmp/gen/x_c.cpp" ] && [ -f "$tmp/gen/x_s.cpp" ] || fail "/out did not write every file"
"$tmp/prefix/bin/midlc" --help | grep -q "midlc's IDL folder: $tmp/prefix/share/midlc/idl (installed" ||
  fail "--help does not name the installed folder"

# A copy with no IDL beside it must not fall back on the source tree it was built from.
if "$tmp/alone/bin/midlc" "$tmp/out/x.idl" >/dev/null 2>"$tmp/err"; then fail "a lone copy found unknwn.idl"; fi
grep -q "cannot find imported file 'unknwn.idl'" "$tmp/err" || fail "unexpected error: $(cat "$tmp/err")"
"$tmp/alone/bin/midlc" --help | grep -q "midlc's IDL folder: (none found" || fail "--help claims a folder"

# MIDLC_IDL_DIR overrides.
MIDLC_IDL_DIR="$tmp/prefix/share/midlc/idl" "$tmp/alone/bin/midlc" "$tmp/out/x.idl" >/dev/null ||
  fail "MIDLC_IDL_DIR was not used"
echo "relocated midlc: ok"
