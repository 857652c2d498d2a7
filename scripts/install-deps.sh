#!/usr/bin/env bash
# Installs the Debian 12 packages midlc needs to build, test and benchmark, skipping those already present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build cpp pkg-config
  antlr4 libantlr4-runtime-dev default-jre-headless
  libcli11-dev libkainjow-mustache-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-impacket tshark
  doxygen  # the runtime API reference (the `docs` target), checked warning-free by a test
  libwine-dev  # Wine's system IDL files, for the widl corpus test (tests/interop/widl_corpus)
  mingw-w64-tools  # widl 7.0 (x86_64-w64-mingw32-widl), the front-end benchmark's baseline (scripts/bench_frontend.py)
  clang libclang-rt-14-dev  # the front end's libFuzzer target (scripts/fuzz_frontend.sh)
  samba  # samba-dcerpcd, the independent server srvinfo talks to (run-sample.sh, tests/interop/srvinfo)
  samba-ad-dc samba-ad-provision  # a domain controller (its KDC) for srvinfo's Kerberos test
  libkrb5-dev gss-ntlmssp  # authentication's providers: MIT krb5's GSSAPI, and NTLM plugged into it
  krb5-kdc krb5-admin-server krb5-user  # the Kerberos test's own KDC (kdb5_util, kadmin.local), and kinit
  python3-pycryptodome  # the impacket NTLM test checks our servers' signatures itself (RC4, with HMAC-MD5)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
