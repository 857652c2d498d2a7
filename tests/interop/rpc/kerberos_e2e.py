#!/usr/bin/python3
"""Kerberos end to end on one machine: an MIT KDC of the test's own, a midlc server with a keytab, a midlc
client with a password or a credential cache, at connect, pkt_integrity and pkt_privacy, directly and
through SPNEGO.

usage: kerberos_e2e.py SERVER_EXE CLIENT_EXE [--tshark]
SERVER_EXE is interop_server (--krb5-keytab), CLIENT_EXE auth_client. The KDC (scripts/test_kdc.py) runs in a
temporary folder on a loopback port with the realm MIDLC.TEST, the user alice and the service principal
host/localhost. With --tshark the pkt_privacy and pkt_integrity runs are captured: every PDU must dissect
without malformed packets, the Kerberos trailers (auth type 16) must be there at levels 6 and 5, and the
client's plaintext marker must be absent from the privacy capture (and present in the integrity one, so that
the check can fail). Exits 77 (a ctest skip) when krb5-kdc is not installed, or tshark cannot capture.
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "scripts"))
from run_interop import SKIP, analyse, check, start_capture, stop_capture, stop_server  # noqa: E402
from test_kdc import TestKdc, Unavailable, installed  # noqa: E402

MARKER = b"midlc-plaintext-marker"


def main():
    server_exe, client_exe = sys.argv[1], sys.argv[2]
    use_tshark = "--tshark" in sys.argv[3:]
    if not installed():
        print("skip: krb5-kdc is not installed")
        return SKIP
    try:
        with TestKdc() as kdc:
            server = subprocess.Popen([server_exe, "--krb5-keytab", kdc.keytab], env=kdc.env, stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True)
            try:
                binding = server.stdout.readline().strip()
                port = int(binding[binding.rindex("[") + 1:-1])
                print("KDC on port %d, server at %s" % (kdc.port, binding))
                password = kdc.users["alice"]

                def client(level, *extra, pw=password, service="kerberos"):
                    p = subprocess.run([client_exe, binding, service, level, *extra, "--principal", kdc.service],
                                       env=dict(kdc.env, AUTH_PASSWORD=pw), capture_output=True, text=True,
                                       timeout=120)
                    print("== auth_client %s %s: exit %d\n%s%s" % (level, " ".join(extra), p.returncode, p.stdout,
                                                                   p.stderr[:500]))
                    return p

                def captured(level, body):
                    if not use_tshark:
                        return body(), None
                    path = os.path.join(tempfile.mkdtemp(), "krb5-%s.pcapng" % level)
                    cap, why = start_capture(port, path)
                    if cap is None:
                        raise Skip(why)
                    try:
                        return body(), path
                    finally:
                        stop_capture(cap)

                for level, number in (("privacy", 6), ("integrity", 5)):
                    p, path = captured(level, lambda: client(level, "alice", "MIDLC.TEST"))
                    check(p.returncode == 0 and "server saw level %d principal alice@MIDLC.TEST" % number in p.stdout
                          and "echoes ok" in p.stdout,
                          "pkt_%s: the server sees alice@MIDLC.TEST; echoes up to 200,000 bytes from 4 threads" % level)
                    if path is not None:
                        analyse(port, path)
                        fields = subprocess.run(
                            ["tshark", "-r", path, "-d", "tcp.port==%d,dcerpc" % port, "-Y",
                             "dcerpc.auth_type == 16 && dcerpc.auth_level == %d" % number, "-T", "fields", "-e",
                             "dcerpc.pkt_type"], capture_output=True, text=True, check=True).stdout.split()
                        check({"11", "12", "16", "0", "2"} <= set(fields),
                              "tshark reads Kerberos trailers at level %d on bind, bind_ack, auth3, requests and "
                              "responses" % number)
                        with open(path, "rb") as f:
                            raw = f.read()
                        if level == "privacy":
                            check(MARKER not in raw, "the stub data is not in clear on the wire at pkt_privacy")
                        else:
                            check(MARKER in raw, "at pkt_integrity the same payload is in clear (the check can fail)")

                # A client that does not offer header signing: the stub data alone is signed (and sealed),
                # each way; tshark still dissects it.
                for level, number in (("privacy", 6), ("integrity", 5)):
                    p, path = captured("stub-" + level, lambda: client(level, "alice", "MIDLC.TEST", "--stub-signing",
                                                                       service="negotiate"))
                    check(p.returncode == 0 and "server saw level %d principal alice@MIDLC.TEST" % number in p.stdout
                          and "echoes ok" in p.stdout,
                          "SPNEGO at pkt_%s without header signing (the stub data alone signed)" % level)
                    if path is not None:
                        analyse(port, path)

                # SPNEGO with Kerberos under it: the third leg and the server's last word go in
                # alter_context and alter_context_resp.
                p, path = captured("negotiate", lambda: client("privacy", "alice", "MIDLC.TEST", service="negotiate"))
                check(p.returncode == 0 and "server saw level 6 principal alice@MIDLC.TEST" in p.stdout
                      and "echoes ok" in p.stdout, "SPNEGO (Kerberos) at pkt_privacy")
                if path is not None:
                    analyse(port, path)
                    fields = subprocess.run(
                        ["tshark", "-r", path, "-d", "tcp.port==%d,dcerpc" % port, "-Y",
                         "dcerpc.auth_type == 9 && dcerpc.auth_level == 6", "-T", "fields", "-e", "dcerpc.pkt_type"],
                        capture_output=True, text=True, check=True).stdout.split()
                    check({"11", "12", "14", "15", "0", "2"} <= set(fields),
                          "tshark reads SPNEGO trailers on bind, bind_ack, alter_context(_resp), requests and responses")
                    with open(path, "rb") as f:
                        check(MARKER not in f.read(), "no plaintext on the wire with SPNEGO at pkt_privacy")

                p = client("connect", "alice", "MIDLC.TEST")
                check(p.returncode == 1 and "server saw level 2 principal alice@MIDLC.TEST" in p.stdout
                      and "rpc_s_access_denied" in p.stderr,
                      "connect level: authenticated, and refused by an interface that requires integrity")

                subprocess.run(["kinit", "alice"], input=password + "\n", text=True, env=kdc.env, check=True,
                               capture_output=True)
                p = client("privacy")
                check(p.returncode == 0 and "echoes ok" in p.stdout,
                      "pkt_privacy with the credential cache kinit filled (no password given)")

                p = client("privacy", "alice", "MIDLC.TEST", pw="wrong")
                check(p.returncode == 1 and "RPC_S_SEC_PKG_ERROR" in p.stdout,
                      "a wrong password: the KDC refuses, the client says so before connecting")
                p = subprocess.run([client_exe, binding, "kerberos", "privacy", "alice", "MIDLC.TEST", "--principal",
                                    "host/elsewhere@MIDLC.TEST"], env=dict(kdc.env, AUTH_PASSWORD=password),
                                   capture_output=True, text=True, timeout=60)
                check(p.returncode == 1 and "RPC_S_SEC_PKG_ERROR" in p.stdout,
                      "a service principal the KDC does not know fails clearly")
                p = client("integrity", "alice", "MIDLC.TEST")
                check(p.returncode == 0, "the server still serves")
            finally:
                stop_server(server)
            check(server.returncode == 0, "server shut down cleanly")
    except Skip as e:
        print("SKIP:", e)
        return SKIP
    except Unavailable as e:
        print("skip:", e)
        return SKIP
    return 0


class Skip(Exception):
    pass


if __name__ == "__main__":
    sys.exit(main())
