#!/usr/bin/python3
"""Runs the RPC benchmark's authentication rows (`midlrt_rpc_bench --only auth`) under a KDC of its own, so
that Kerberos's rows (pkt_integrity, pkt_privacy) are measured beside NTLM's and the floor in the same run.

usage: bench_auth.py BENCH_EXE [benchmark options...]
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_kdc import TestKdc  # noqa: E402


def main():
    with TestKdc() as kdc:
        env = dict(kdc.env, MIDLRT_BENCH_KEYTAB=kdc.keytab, MIDLRT_BENCH_KRB5_USER="alice@" + kdc.realm,
                   MIDLRT_BENCH_KRB5_PASSWORD=kdc.users["alice"], MIDLRT_BENCH_KRB5_SERVICE=kdc.service)
        return subprocess.run([sys.argv[1], "--only", "auth", *sys.argv[2:]], env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
