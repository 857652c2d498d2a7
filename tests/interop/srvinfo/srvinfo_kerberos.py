#!/usr/bin/python3
"""srvinfo (samples/srvinfo, midlc's generated clients) authenticated with Kerberos against a Samba Active
Directory domain controller: pkt_privacy and pkt_integrity, Kerberos itself and SPNEGO.

usage: srvinfo_kerberos.py SRVINFO
The script runs itself again in private network, mount and PID namespaces (as root; exit 77 without, or
without Debian's samba-ad-dc), where scripts/samba_ad_dc.py provisions the domain MIDLC.TEST, creates the
user alice and serves srvsvc and wkssvc. Samba's KDC issues the tickets, Samba verifies and decrypts every
request and seals every response; srvinfo verifies and decrypts them. srvsvc's answers are the domain
controller's (its name DC1, Samba's comment, its IPC$ share; wkssvc is served on no port of its own in this
configuration, so srvinfo's exit status, which counts it, is not checked); a wrong password and an unknown principal fail
clearly; the credential cache kinit filled serves too; tshark dissects a pkt_privacy run without malformed
packets, reads the trailers at level 6, and the server's name is not on the wire in clear.
"""
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "scripts"))
sys.path.insert(0, os.path.join(HERE, "..", "rpc"))
from samba_ad_dc import NAMESPACES, SKIP, SambaAdDc, Unavailable, in_private_namespaces, installed  # noqa: E402
from run_interop import analyse, check, start_capture, stop_capture  # noqa: E402


def srvinfo(exe, dc, *args, password=None, env=None):
    started = time.monotonic()
    env = dict(env or dc.env)
    if password is not None:
        env["SRVINFO_PASSWORD"] = password
    argv = [exe, "127.0.0.1", "--port", str(dc.srvsvc_port), *args]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env)
    print("== srvinfo %s (exit %d, %.2fs)\n%s%s" % (" ".join(argv[2:]), p.returncode, time.monotonic() - started,
                                                    p.stdout, p.stderr))
    return p


def fields(out):
    return dict(re.findall(r"^  (\w[\w ]*):\s+(.*)$", out, re.M))


def srvsvc_answered(p):
    """srvsvc's two calls succeeded (the domain controller's rpcds serve wkssvc on no port of their own in
    this configuration, so srvinfo's exit status, which counts it, is not the measure)."""
    f = fields(p.stdout)
    return f.get("server name") == "DC1" and f.get("comment", "").startswith("Samba") and \
        re.search(r"^    IPC\$\s+ipc", p.stdout, re.M) is not None


def main():
    if os.environ.get(NAMESPACES) != "1":
        if not installed():
            print("SKIP: samba-ad-dc is not installed")
            return SKIP
        status = in_private_namespaces(__file__)
        if status is None:
            print("SKIP: the domain controller needs root and unshare(1) for private namespaces")
            return SKIP
        return status
    exe = sys.argv[1]
    try:
        with SambaAdDc() as dc:
            print("domain %s, srvsvc on port %d" % (dc.realm, dc.srvsvc_port))
            user = "%s\\alice" % dc.realm
            password = dc.users["alice"]
            for mode in ("--kerberos", "--negotiate"):
                for level in ("privacy", "integrity"):
                    p = srvinfo(exe, dc, mode, dc.principal, "--user", user, "--level", level, password=password)
                    check(srvsvc_answered(p), "srvinfo %s at pkt_%s: Samba's srvsvc answers NetrServerGetInfo "
                          "(DC1) and NetrShareEnum" % (mode, level))

            # The same at pkt_privacy, captured: sealed on the wire.
            path = os.path.join(tempfile.mkdtemp(), "ad.pcapng")
            cap, why = start_capture(dc.srvsvc_port, path)
            if cap is None:
                print("no capture:", why)
            else:
                try:
                    p = srvinfo(exe, dc, "--negotiate", dc.principal, "--user", user, "--level", "privacy",
                                password=password)
                finally:
                    stop_capture(cap)
                check(srvsvc_answered(p), "the captured pkt_privacy run succeeds")
                analyse(dc.srvsvc_port, path)
                levels = subprocess.run(
                    ["tshark", "-r", path, "-d", "tcp.port==%d,dcerpc" % dc.srvsvc_port, "-Y",
                     "dcerpc.pkt_type == 0 || dcerpc.pkt_type == 2", "-T", "fields", "-e", "dcerpc.auth_level"],
                    capture_output=True, text=True, check=True).stdout.split()
                check(levels and set(levels) == {"6"}, "tshark: every request and response at level 6 (%d)"
                      % len(levels))
                with open(path, "rb") as c:
                    check("DC1".encode("utf-16-le") not in c.read(), "the server's name is not on the wire in clear")

            p = srvinfo(exe, dc, "--kerberos", dc.principal, "--user", user, "--level", "privacy", password="wrong")
            check(p.returncode == 1 and "RPC_S_SEC_PKG_ERROR" in p.stdout and not srvsvc_answered(p),
                  "a wrong password fails clearly")
            p = srvinfo(exe, dc, "--kerberos", "host/nowhere.midlc.test@MIDLC.TEST", "--user", user, "--level",
                        "privacy", password=password)
            check(p.returncode == 1 and "RPC_S_SEC_PKG_ERROR" in p.stdout, "an unknown principal fails clearly")
            subprocess.run(["kinit", "alice@" + dc.realm], input=password + "\n", text=True, env=dc.env, check=True,
                           capture_output=True)
            p = srvinfo(exe, dc, "--kerberos", dc.principal, "--level", "privacy")
            check(srvsvc_answered(p), "pkt_privacy with the credential cache kinit filled")
    except Unavailable as e:
        print("SKIP:", e)
        return SKIP
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
