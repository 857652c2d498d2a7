#!/usr/bin/env bash
# Runs the samples built in build folder $1: each server in the background, its client calling it over
# ncalrpc and TCP (filerep: a file sent and fetched back; com: objects created by CLSID), then a clean stop; then the pickling sample, which
# needs no server. Used by
# scripts/run-sample.sh and registered as a ctest test.
set -euo pipefail
build=${1:?usage: sample-session.sh <build folder>}
dir=$(mktemp -d)
servers=()
trap 'for p in "${servers[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$dir"' EXIT

# start_server <name> <program> <argument>...: runs a server, waits for it to listen on each argument that is
# a string binding (has a ':').
start_server() {
  local name=$1 program=$2 bindings=0
  shift 2
  for a in "$@"; do [[ $a == *:* ]] && bindings=$((bindings + 1)); done
  "$program" "$@" > "$dir/$name.log" &
  servers+=($!)
  for _ in $(seq 200); do
    [ "$(grep -c 'listening on' "$dir/$name.log" || true)" -ge $bindings ] && break
    sleep 0.05
  done
  cat "$dir/$name.log"
}

stop_servers() {
  for p in "${servers[@]}"; do kill -TERM "$p"; wait "$p"; done
  servers=()
}

start_server calculator "$build/samples/calculator/calculator_server" "ncalrpc:[$dir/calc.sock]" "ncacn_ip_tcp:127.0.0.1[0]"
tcp=$(grep -o 'ncacn_ip_tcp:127.0.0.1\[[0-9]*\]' "$dir/calculator.log")
echo "== calculator_client ncalrpc:[$dir/calc.sock]"
"$build/samples/calculator/calculator_client" "ncalrpc:[$dir/calc.sock]"
echo "== calculator_client $tcp"
"$build/samples/calculator/calculator_client" "$tcp"

start_server slow "$build/samples/async/slow_server" "ncacn_ip_tcp:127.0.0.1[0]"
tcp=$(grep -o 'ncacn_ip_tcp:127.0.0.1\[[0-9]*\]' "$dir/slow.log")
echo "== slow_client $tcp"
"$build/samples/async/slow_client" "$tcp"

# filerep: a file of a few hundred MB (FILEREP_MB, 256 by default) sent to the server and fetched back, its
# bytes streaming through a pipe each way.
mb=${FILEREP_MB:-256}
mkdir "$dir/files"
head -c "${mb}M" /dev/urandom > "$dir/original.bin"
start_server filerep "$build/samples/filerep/filerep_server" "$dir/files" "ncacn_ip_tcp:127.0.0.1[0]"
tcp=$(grep -o 'ncacn_ip_tcp:127.0.0.1\[[0-9]*\]' "$dir/filerep.log")
echo "== filerep_client $tcp put original.bin ($mb MiB) as copy.bin, then get it back"
"$build/samples/filerep/filerep_client" "$tcp" put "$dir/original.bin" copy.bin
"$build/samples/filerep/filerep_client" "$tcp" get copy.bin "$dir/back.bin"
cmp "$dir/original.bin" "$dir/back.bin"
echo "== the file came back byte for byte"
rm -f "$dir/original.bin" "$dir/back.bin" "$dir/files/copy.bin"

# com: a Station created by CLSID through the server's activator, its readings enumerated, and a sink the
# station calls back while an asynchronous Watch call is in flight (MS-DCOM: TCP only).
start_server station "$build/samples/com/station_server" "ncacn_ip_tcp:127.0.0.1[0]"
tcp=$(grep -o 'ncacn_ip_tcp:127.0.0.1\[[0-9]*\]' "$dir/station.log")
echo "== station_client $tcp"
"$build/samples/com/station_client" "$tcp"

stop_servers
echo "== the servers stopped cleanly"

echo "== pickle_sample $dir/note.bin"
"$build/samples/pickle/pickle_sample" "$dir/note.bin"
