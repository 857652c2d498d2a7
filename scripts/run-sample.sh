#!/usr/bin/env bash
# The README's first command: installs what is missing, builds midlc, the runtime and the calculator sample
# (midl_generate() runs midlc on samples/calculator/calculator.idl + .acf as a build step), prints midlc's
# summary of the IDL, then runs the sample: the server in the background, the client calling it over
# ncalrpc and over TCP, and a clean stop.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMIDLC_WERROR=ON
cmake --build build -j "$(nproc)" --target midlc calculator_server calculator_client

echo "== midlc samples/calculator/calculator.idl"
build/src/midlc samples/calculator/calculator.idl

dir=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$dir"' EXIT
build/samples/calculator/calculator_server "ncalrpc:[$dir/calc.sock]" "ncacn_ip_tcp:127.0.0.1[0]" > "$dir/server.log" &
server=$!
for _ in $(seq 100); do grep -q ncacn_ip_tcp "$dir/server.log" && break; sleep 0.05; done
cat "$dir/server.log"
tcp=$(grep -o 'ncacn_ip_tcp:127.0.0.1\[[0-9]*\]' "$dir/server.log")

echo "== calculator_client ncalrpc:[$dir/calc.sock]"
build/samples/calculator/calculator_client "ncalrpc:[$dir/calc.sock]"
echo "== calculator_client $tcp"
build/samples/calculator/calculator_client "$tcp"

kill -TERM "$server"
wait "$server"
echo "== the server stopped cleanly"
