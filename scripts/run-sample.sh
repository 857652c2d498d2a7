#!/usr/bin/env bash
# The README's first command: installs what is missing, builds midlc, the runtime and the samples
# (midl_generate() runs midlc on each sample's IDL + ACF as a build step), prints midlc's summary of the
# calculator IDL, then runs the samples: servers in the background, clients calling them, a clean stop;
# then srvinfo against Samba's samba-dcerpcd, started in a temporary folder on loopback and stopped after.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMIDLC_WERROR=ON
cmake --build build -j "$(nproc)" --target midlc calculator_server calculator_client slow_server slow_client \
  filerep_server filerep_client station_server station_client pickle_sample srvinfo

echo "== midlc samples/calculator/calculator.idl"
build/src/midlc samples/calculator/calculator.idl
scripts/sample-session.sh build

if [ -x /usr/libexec/samba/samba-dcerpcd ]; then
  /usr/bin/python3 scripts/samba_dcerpcd.py build/samples/srvinfo/srvinfo
else
  echo "== srvinfo skipped: Samba (Debian package samba) is not installed"
fi
