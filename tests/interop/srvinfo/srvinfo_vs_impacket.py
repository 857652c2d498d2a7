#!/usr/bin/python3
"""srvinfo (samples/srvinfo, midlc's generated clients) against Samba, checked against impacket.

usage: srvinfo_vs_impacket.py SRVINFO
Starts samba-dcerpcd in a temporary folder (scripts/samba_dcerpcd.py), runs `SRVINFO 127.0.0.1` (through
the endpoint mapper on port 135 when running as root, else with --port) and `SRVINFO 127.0.0.1 --port P`,
and compares every value printed with what impacket's srvs/wkst helpers read from the same server. A
second Samba with `restrict anonymous = 2` must make srvinfo say that srvsvc refuses anonymous access, and
answer srvinfo authenticated with NTLM (an account made for the test's user) at pkt_integrity, as impacket
reads it with the same account; the connect level (refused by Samba's policy) and a wrong password are
refused.
Exits 77 (a ctest skip) when Samba is not installed.
"""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts"))
from samba_dcerpcd import SKIP, SambaDcerpcd, Unavailable, exit_on_sigterm, installed  # noqa: E402

from impacket.dcerpc.v5 import epm, srvs, transport, wkst  # noqa: E402
from impacket.dcerpc.v5.rpcrt import (DCERPCException, RPC_C_AUTHN_LEVEL_CONNECT,  # noqa: E402
                                      RPC_C_AUTHN_LEVEL_PKT_INTEGRITY, RPC_C_AUTHN_WINNT)

SHARE_BASE = {0: "disk", 1: "printq", 2: "device", 3: "ipc"}
PASSWORD = "Srv1nfo-test"  # of the account the restricted Samba gets for the test's user


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what)


def run_srvinfo(srvinfo, *args, password=None):
    started = time.monotonic()
    env = dict(os.environ)
    if password is not None:
        env["SRVINFO_PASSWORD"] = password
    p = subprocess.run([srvinfo, "127.0.0.1", *args], capture_output=True, text=True, timeout=60, env=env)
    command = " ".join(["srvinfo", "127.0.0.1", *args])
    print("== %s (exit %d, %.2fs)\n%s%s" % (command, p.returncode, time.monotonic() - started, p.stdout, p.stderr))
    return p


def parse(out):
    """srvinfo's report: {section: {"binding": ..., "fields": {label: value}, "shares": [line...]}}."""
    sections, current = {}, None
    for line in out.splitlines():
        m = re.match(r"^(\w+): (.*)$", line)
        if m:
            current = sections.setdefault(m.group(1), {"binding": m.group(2), "fields": {}, "shares": []})
            continue
        m = re.match(r"^  (\w[\w ]*):\s+(.*)$", line)
        if m and current is not None:
            current["fields"][m.group(1)] = m.group(2)
        elif line.startswith("    ") and current is not None:
            current["shares"].append(line[4:])
    return sections


def nul(s):
    return s[:-1] if s.endswith("\x00") else s


def impacket_dce(port, iface, auth=None, level=RPC_C_AUTHN_LEVEL_PKT_INTEGRITY):
    t = transport.DCERPCTransportFactory("ncacn_ip_tcp:127.0.0.1[%d]" % port)
    if auth is not None:
        t.set_credentials(auth[0], auth[1], "SRVINFOTEST")
    dce = t.get_dce_rpc()
    if auth is not None:
        dce.set_auth_type(RPC_C_AUTHN_WINNT)
        dce.set_auth_level(level)
    dce.connect()
    dce.bind(iface)
    return dce


def compare(report, port, auth=None):
    """Every value srvinfo printed against impacket's reading of the same server (as `auth`'s user)."""
    srv = impacket_dce(port, srvs.MSRPC_UUID_SRVS, auth)
    info = srvs.hNetrServerGetInfo(srv, 101)["InfoStruct"]["ServerInfo101"]
    shares = srvs.hNetrShareEnum(srv, 1)["InfoStruct"]["ShareInfo"]["Level1"]["Buffer"]
    srv.disconnect()
    wks = impacket_dce(port, wkst.MSRPC_UUID_WKST, auth)
    wk = wkst.hNetrWkstaGetInfo(wks, 100)["WkstaInfo"]["WkstaInfo100"]
    wks.disconnect()

    f = report["srvsvc"]["fields"]
    check(f["server name"] == nul(info["sv101_name"]) == "SRVINFOTEST", "server name %r" % f["server name"])
    check(f["platform"].split()[0] == str(info["sv101_platform_id"]), "platform id %s" % f["platform"])
    check(f["version"] == "%d.%d" % (info["sv101_version_major"] & 0x0F, info["sv101_version_minor"]),
          "version %s" % f["version"])
    words = f["server type"].split()
    bits = info["sv101_type"]
    check(words[0] == "0x%08x" % bits, "server type bits %s" % words[0])
    check(len(words) - 1 == bin(bits).count("1"), "one word per type bit: %s" % " ".join(words[1:]))
    check(f["comment"] == nul(info["sv101_comment"]) == "midlc srvinfo test", "comment %r" % f["comment"])

    check(f["shares"] == str(len(shares)), "%s shares" % f["shares"])
    lines = report["srvsvc"]["shares"]
    check(len(lines) == len(shares), "one line per share")
    for share, line in zip(shares, lines):
        name, remark, stype = nul(share["shi1_netname"]), nul(share["shi1_remark"]), share["shi1_type"]
        check(line.startswith(name + "  "), "share %r listed in the server's order" % name)
        m = re.match(r"^(\S.*?)(?:\s{2,}(.*))?$", line[len(name):].strip())
        type_words = m.group(1).split(", ")
        check(type_words[0] == SHARE_BASE[stype & 0xFF]
              and ("special" in type_words) == bool(stype & 0x80000000), "share %r type %s" % (name, m.group(1)))
        check((m.group(2) or "") == remark, "share %r remark %r" % (name, remark))
    check({nul(s["shi1_netname"]) for s in shares} >= {"public", "docs", "IPC$"}, "the configured shares")

    w = report["wkssvc"]["fields"]
    check(w["computer"] == nul(wk["wki100_computername"]), "computer name %r" % w["computer"])
    check(w["domain"] == nul(wk["wki100_langroup"]) == "MIDLCTEST", "domain %r" % w["domain"])


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    srvinfo = sys.argv[1]
    if not installed():
        print("skip: Samba's samba-dcerpcd is not installed (Debian package samba)")
        return SKIP
    exit_on_sigterm()
    started = time.monotonic()
    try:
        with SambaDcerpcd() as samba:
            print("samba-dcerpcd up in %.2fs: srvsvc and wkssvc on port %d, endpoint mapper %s"
                  % (time.monotonic() - started, samba.port, "on 135" if samba.epmapper else "not run"))
            if samba.epmapper:
                p = run_srvinfo(srvinfo)
                check(p.returncode == 0, "srvinfo through the endpoint mapper succeeds")
                report = parse(p.stdout)
                mapped = epm.hept_map("127.0.0.1", srvs.MSRPC_UUID_SRVS, protocol="ncacn_ip_tcp")
                check(report["srvsvc"]["binding"] == mapped + " (from the endpoint mapper)",
                      "srvinfo's ept_map finds the port impacket's finds (%s)" % mapped)
                compare(report, samba.port)
            p = run_srvinfo(srvinfo, "--port", str(samba.port))
            check(p.returncode == 0, "srvinfo --port succeeds")
            compare(parse(p.stdout), samba.port)

        with SambaDcerpcd(restrict_anonymous=2, epmapper=False, account=PASSWORD) as samba:
            p = run_srvinfo(srvinfo, "--port", str(samba.port))
            check(p.returncode == 1, "srvinfo fails when srvsvc refuses anonymous clients")
            f = parse(p.stdout)["srvsvc"]["fields"]
            check("refuses anonymous access" in f["server info"] and "refuses anonymous access" in f["shares"],
                  "srvinfo says the server refuses anonymous access")
            check("computer" in parse(p.stdout)["wkssvc"]["fields"], "wkssvc still answers")
            try:
                srvs.hNetrServerGetInfo(impacket_dce(samba.port, srvs.MSRPC_UUID_SRVS), 101)
                refused = False
            except DCERPCException as e:
                refused = "access_denied" in str(e)
            check(refused, "impacket is refused too")

            # The same server to a user authenticated with NTLM: Samba verifies every request's signature
            # and srvinfo every response's (pkt_integrity), or only the bind (connect level).
            user = "SRVINFOTEST\\" + samba.user
            p = run_srvinfo(srvinfo, "--port", str(samba.port), "--user", user, "--level", "integrity",
                            password=PASSWORD)
            check(p.returncode == 0, "srvinfo as %s at pkt_integrity succeeds where anonymous fails" % user)
            compare(parse(p.stdout), samba.port, auth=(samba.user, PASSWORD))
            # Samba refuses the connect level (authenticated, unsigned) on these interfaces (its "allow dcerpc
            # auth level connect" defaults to no): to srvinfo as to impacket.
            p = run_srvinfo(srvinfo, "--port", str(samba.port), "--user", user, "--level", "connect",
                            password=PASSWORD)
            check(p.returncode == 1 and "refuses access as " + user in p.stdout,
                  "srvinfo at connect level is refused by Samba's policy")
            try:
                srvs.hNetrServerGetInfo(impacket_dce(samba.port, srvs.MSRPC_UUID_SRVS, (samba.user, PASSWORD),
                                                     RPC_C_AUTHN_LEVEL_CONNECT), 101)
                refused = False
            except DCERPCException as e:
                refused = "access_denied" in str(e)
            check(refused, "impacket at connect level is refused too")
            # A wrong password: Samba fails the auth3 and faults the first request with nca_s_proto_error
            # (where Windows says access denied), to srvinfo as to impacket.
            p = run_srvinfo(srvinfo, "--port", str(samba.port), "--user", user, password="wrong")
            check(p.returncode == 1 and "nca_s_proto_error" in parse(p.stdout)["srvsvc"]["fields"]["server info"],
                  "a wrong password is refused (%s)" % parse(p.stdout)["srvsvc"]["fields"].get("server info"))
            try:
                srvs.hNetrServerGetInfo(impacket_dce(samba.port, srvs.MSRPC_UUID_SRVS, (samba.user, "wrong")), 101)
                refused = False
            except DCERPCException as e:
                refused = "nca_s_proto_error" in str(e)
            check(refused, "impacket with the wrong password is refused the same way")
    except Unavailable as e:
        print("skip:", e)
        return SKIP
    print("done in %.2fs" % (time.monotonic() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
