#!/usr/bin/env bash
# Builds the runtime's libFuzzer targets with clang (tests/fuzz, in build-fuzz/, as fuzz_frontend.sh does)
# and runs each for a bounded time: fuzz_rpc.sh [SECONDS] (default 30 per target). midlrt_fuzz_rpc_server
# writes arbitrary bytes to a Server's connection, midlrt_fuzz_rpc_client answers a Channel's call with
# them; seeds from tests/fuzz/rpc_seeds.py. midlrt_fuzz_services calls the runtime's endpoint mapper,
# activator, object resolver and IRemUnknown2 with arbitrary stub data; seeds from services_seeds.py. Fails on any crash, sanitizer report, leak, per-input timeout
# (10 s) or out-of-memory (2 GB); the input is left in build-fuzz/fuzz-rpc-* to replay.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
dir=$(scripts/fuzz_configure.sh)
cmake --build "$dir" -j "$(nproc)" --target midlrt_fuzz_rpc_server midlrt_fuzz_rpc_client midlrt_fuzz_services

mkdir -p "$dir/fuzz-rpc-server-corpus" "$dir/fuzz-rpc-client-corpus"  # kept between runs
/usr/bin/python3 tests/fuzz/rpc_seeds.py "$dir/fuzz-rpc-server-seeds" "$dir/fuzz-rpc-client-seeds"
for side in server client; do
  echo "fuzz_rpc: $side, $seconds s"
  "$dir/tests/fuzz/midlrt_fuzz_rpc_$side" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=8192 -print_final_stats=1 -artifact_prefix="$dir/fuzz-rpc-$side-" \
    "$dir/fuzz-rpc-$side-corpus" "$dir/fuzz-rpc-$side-seeds"
done

# The runtime's services: the endpoint mapper, the activator, the object resolver and IRemUnknown2.
mkdir -p "$dir/fuzz-services-corpus"
/usr/bin/python3 tests/fuzz/services_seeds.py "$dir/fuzz-services-seeds" >/dev/null
echo "fuzz_rpc: services, $seconds s"
"$dir/tests/fuzz/midlrt_fuzz_services" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=8192 -print_final_stats=1 -artifact_prefix="$dir/fuzz-services-" \
  "$dir/fuzz-services-corpus" "$dir/fuzz-services-seeds"
