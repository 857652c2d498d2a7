#!/usr/bin/env bash
# Builds tests/packaging/consumer, a project outside midlc's tree, and runs its client against its server.
#   consumer-test.sh install <build folder> <source folder> <generator> <c++ compiler>
#     installs the build into a temporary prefix; the consumer uses find_package(midlc). Then compiles the
#     client against the installed midlrt.pc, and moves the prefix to check that midlc, the CMake package and
#     the .pc file still work from elsewhere.
#   consumer-test.sh fetch <build folder> <source folder> <generator> <c++ compiler>
#     the consumer adds the source folder with FetchContent (midlc is built from scratch, with MIDLC_WERROR=ON);
#     midlc's warning flags must not reach the consumer's targets, and its tests and samples are not built.
set -euo pipefail
mode=$1 build=$2 source=$3 generator=$4 cxx=$5
consumer=$source/tests/packaging/consumer
tmp=$(mktemp -d)
server=
trap '[ -z "$server" ] || kill "$server" 2>/dev/null || true; rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# configure_and_build <build folder> <cmake arguments>...: the consumer's source is tests/packaging/consumer
# unless the arguments give another -S.
configure_and_build() {
  local dir=$1
  shift
  cmake -S "$consumer" -B "$dir" -G "$generator" -DCMAKE_CXX_COMPILER="$cxx" "$@" > "$dir.configure.log" ||
    { cat "$dir.configure.log"; fail "configuring the consumer"; }
  cmake --build "$dir" --parallel 2 > "$dir.build.log" || { cat "$dir.build.log"; fail "building the consumer"; }
}

# start_server <program> [socket name]: serves TCP and ncalrpc; sets $tcp and $lrpc to the bound endpoints.
# Each server gets a socket of its own name, and up to 30 s to listen (a loaded CI machine).
start_server() {
  local socket=$tmp/${2:-kv}.sock
  "$1" "ncacn_ip_tcp:127.0.0.1[0]" "ncalrpc:[$socket]" > "$tmp/server.log" &
  server=$!
  for _ in $(seq 600); do
    [ "$(grep -c 'listening on' "$tmp/server.log" || true)" -ge 2 ] && break
    sleep 0.05
  done
  tcp=$(grep -o 'ncacn_ip_tcp:127.0.0.1\[[0-9]*\]' "$tmp/server.log") || { cat "$tmp/server.log"; fail "the server did not listen"; }
  lrpc="ncalrpc:[$socket]"
}

stop_server() {
  kill -TERM "$server"
  wait "$server" || fail "the server did not stop cleanly"
  server=
}

# run_client <program> <binding>: the client must print "ok".
run_client() {
  echo "== $(basename "$1") $2"
  [ "$("$1" "$2")" = ok ] || fail "$1 against $2"
}

# The generated sources are in the consumer's compile_commands.json.
check_compile_commands() {
  local commands=$1/compile_commands.json
  grep -q '/kv_s\.cpp"' "$commands" || fail "kv_s.cpp is not in $commands"
  grep -q '/kv_c\.cpp"' "$commands" || fail "kv_c.cpp is not in $commands"
}

case $mode in
install)
  prefix=$tmp/prefix
  cmake --install "$build" --prefix "$prefix" > "$tmp/install.log" || { cat "$tmp/install.log"; fail "cmake --install"; }
  for f in bin/midlc bin/midlrtd lib/libmidlrt_ndr.a lib/libmidlrt_async.a lib/libmidlrt_epm.a include/midlrt/rpc/server.h \
           include/midlrt/idl/unknwn.h share/midlc/idl/unknwn.idl lib/cmake/midlc/midlcConfig.cmake \
           lib/cmake/midlc/midlcConfigVersion.cmake lib/cmake/midlc/MidlGenerate.cmake lib/pkgconfig/midlrt.pc; do
    [ -e "$prefix/$f" ] || fail "$f is not installed"
  done

  configure_and_build "$tmp/consumer" -DCMAKE_PREFIX_PATH="$prefix"
  check_compile_commands "$tmp/consumer"
  start_server "$tmp/consumer/kv_server"
  run_client "$tmp/consumer/kv_client" "$tcp"
  run_client "$tmp/consumer/kv_client" "$lrpc"

  # midl_generate's choices of files, and its errors.
  options=$source/tests/packaging/options
  {
    cmake -S "$options" -B "$tmp/options" -G "$generator" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$prefix" &&
      cmake --build "$tmp/options" --parallel 2
  } > "$tmp/options.log" || { cat "$tmp/options.log"; fail "tests/packaging/options"; }
  "$tmp/options/uses_header" || fail "HEADER_ONLY: the header's constant"
  [ "$(cd "$tmp/options" && LC_ALL=C ls kv_header kv_client kv_server | tr '\n' ' ')" = \
    "kv_client: kv.d kv.h kv_c.cpp  kv_header: kv.d kv.h  kv_server: kv.d kv.h kv_s.cpp " ] ||
    fail "midl_generate wrote other files: $(cd "$tmp/options" && ls kv_header kv_client kv_server)"
  for case in name_and_target no_name bad_stub header_only_and_server unknown_argument; do
    if cmake -S "$options" -B "$tmp/options_$case" -DCMAKE_PREFIX_PATH="$prefix" -DCASE=$case \
      > "$tmp/options_$case.log" 2>&1; then
      fail "midl_generate accepted the case $case"
    fi
    grep -q 'CMake Error at .*MidlGenerate.cmake' "$tmp/options_$case.log" || { cat "$tmp/options_$case.log"; fail "$case"; }
  done

  # pkg-config: the client and its generated stub compiled by hand (C++20 is the user's flag to give).
  echo "== pkg-config --cflags --libs midlrt"
  export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
  flags=$(pkg-config --cflags --libs midlrt)
  echo "$flags"
  # shellcheck disable=SC2086 # the flags are words
  "$cxx" -std=c++20 -I "$tmp/consumer/kv_client_midl" "$consumer/client.cpp" "$tmp/consumer/kv_client_midl/kv_c.cpp" \
    $flags -o "$tmp/pc_client" || fail "compiling against midlrt.pc"
  run_client "$tmp/pc_client" "$tcp"
  stop_server

  # docs/getting-started.md, verbatim: its four files extracted, built against the prefix, client against server.
  echo "== docs/getting-started.md"
  python3 "$source/tests/docs/extract_snippets.py" "$source/docs/getting-started.md" "$tmp/guide" \
    kv.idl server.cpp client.cpp CMakeLists.txt || fail "extracting docs/getting-started.md"
  configure_and_build "$tmp/guide_build" -S "$tmp/guide" -DCMAKE_PREFIX_PATH="$prefix"
  start_server "$tmp/guide_build/kv_server" guide
  got=$("$tmp/guide_build/kv_client" "$tcp") || fail "the guide's client against $tcp"
  [ "$got" = "wire = DCE/RPC, 2 keys" ] || fail "the guide's client printed: $got"
  stop_server

  # Relocated: the prefix moved; midlc finds its IDL beside itself, the package and the .pc file follow.
  moved=$tmp/elsewhere/midlc
  mkdir -p "$tmp/elsewhere"
  mv "$prefix" "$moved"
  echo "== moved to $moved"
  (unset MIDLC_IDL_DIR; cd "$tmp" && "$moved/bin/midlc" --header -DKV_MAX_KEYS=1 -o "$tmp/moved_out" "$consumer/kv.idl") ||
    fail "the moved midlc does not find its IDL folder"
  [ -s "$tmp/moved_out/kv.h" ] || fail "the moved midlc wrote no header"
  include=$(PKG_CONFIG_PATH=$moved/lib/pkgconfig pkg-config --cflags-only-I midlrt | tr -d " ")
  [ "$(readlink -f "${include#-I}")" = "$(readlink -f "$moved/include")" ] ||
    fail "midlrt.pc does not follow the moved prefix: $include"
  cmake -S "$consumer" -B "$tmp/moved_consumer" -G "$generator" -DCMAKE_CXX_COMPILER="$cxx" \
    -DCMAKE_PREFIX_PATH="$moved" > "$tmp/moved.log" || { cat "$tmp/moved.log"; fail "find_package from the moved prefix"; }
  grep -rq "$moved/bin/midlc" "$tmp/moved_consumer" || fail "the moved consumer does not run the moved midlc"
  ;;
fetch)
  configure_and_build "$tmp/consumer" -DMIDLC_SOURCE_DIR="$source" -DMIDLC_WERROR=ON
  check_compile_commands "$tmp/consumer"
  commands=$tmp/consumer/compile_commands.json
  # midlc's own code is compiled with its warnings (so the check below can see them) ...
  grep '/runtime/src/ndr/buffer\.cpp"' "$commands" | grep -q -- '-Werror' || fail "midlc's own code lost -Werror"
  # ... and the consumer's targets are not: not the generated library, not the client given the stubs.
  if grep -E '"command": .*(/kv_s\.cpp|/kv_c\.cpp|/consumer/(client|server)\.cpp)"' "$commands" | grep -E -- '-Werror|-Wpedantic|-Wextra'; then
    fail "midlc's warning flags reached the consumer's targets"
  fi
  if grep -E 'samples/|tests/unit|bench/' "$commands"; then fail "midlc's samples, tests or benchmarks were built"; fi
  start_server "$tmp/consumer/kv_server"
  run_client "$tmp/consumer/kv_client" "$tcp"
  run_client "$tmp/consumer/kv_client" "$lrpc"
  stop_server
  ;;
*)
  fail "unknown mode $mode"
  ;;
esac
echo "== passed"
