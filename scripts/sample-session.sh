#!/usr/bin/env bash
# Runs the samples built in build folder $1: each server in the background, its client calling it over
# ncalrpc and TCP, then a clean stop; then the pickling sample, which needs no server. Used by
# scripts/run-sample.sh and registered as a ctest test.
set -euo pipefail
build=${1:?usage: sample-session.sh <build folder>}
dir=$(mktemp -d)
servers=()
trap 'for p in "${servers[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$dir"' EXIT

# start_server <name> <program> <binding>...: runs a server, waits for it to listen.
start_server() {
  local name=$1 program=$2
  shift 2
  "$program" "$@" > "$dir/$name.log" &
  servers+=($!)
  for _ in $(seq 200); do
    [ "$(grep -c 'listening on' "$dir/$name.log" || true)" -ge $# ] && break
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

stop_servers
echo "== the servers stopped cleanly"

echo "== pickle_sample $dir/note.bin"
"$build/samples/pickle/pickle_sample" "$dir/note.bin"
