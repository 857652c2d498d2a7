#!/usr/bin/python3
"""impacket's endpoint mapper client against midlrtd, the endpoint mapper midlrt ships.

usage: epm_impacket.py MIDLRTD ENDPOINT_MAPPER_ECHO [--tshark]
midlrtd serves on a port of its own (Windows' mapper is on 135; a test runs unprivileged). A generated
server (endpoint_mapper_echo serve) listens on a dynamic port and registers Echo with ept_insert; a
generated client (endpoint_mapper_echo call) reaches it by partial binding. impacket's own client finds it:
epm.hept_map gives its tower's port, impacket calls Echo::Twice there (the call written as an impacket NDR
class here), and epm.hept_lookup lists the registration with its annotation. After the server leaves
(ept_delete), hept_map answers ept_s_not_registered. With --tshark the mapper's traffic is captured and
must dissect as EPM without malformed packets (exit 77, a ctest skip, when capturing is not permitted).
"""
import os
import shutil
import subprocess
import sys
import tempfile

from impacket.dcerpc.v5 import epm, transport
from impacket.dcerpc.v5.dtypes import LONG
from impacket.dcerpc.v5.ndr import NDRCALL
from impacket.dcerpc.v5.rpcrt import DCERPCException
from impacket.uuid import uuidtup_to_bin

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "rpc"))
from run_interop import SKIP, Skipped, analyse, check, run_captured, stop  # noqa: E402

ECHO = ("5e1f4c2a-7b3d-4e8f-9a0b-1c2d3e4f5a60", "1.2")


class Twice(NDRCALL):
    opnum = 0
    structure = (("x", LONG),)


class TwiceResponse(NDRCALL):
    structure = (("result", LONG),)


def mapper_dce(port):
    dce = transport.DCERPCTransportFactory("ncacn_ip_tcp:127.0.0.1[%d]" % port).get_dce_rpc()
    dce.connect()
    return dce


def run(midlrtd_port, echo_exe):
    server = subprocess.Popen([echo_exe, "serve", "ncacn_ip_tcp:127.0.0.1[%d]" % midlrtd_port],
                              stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline().strip()
        check(line.startswith("registered ncacn_ip_tcp:127.0.0.1["), "the echo server registered: " + line)
        echo_port = int(line[line.rindex("[") + 1:-1])

        out = subprocess.run([echo_exe, "call", str(midlrtd_port), "21"], capture_output=True, text=True,
                             timeout=30)
        check(out.returncode == 0 and out.stdout.strip() == "42",
              "a generated client with a partial binding calls it: %r %r" % (out.stdout, out.stderr))

        dce = mapper_dce(midlrtd_port)
        binding = epm.hept_map("127.0.0.1", uuidtup_to_bin(ECHO), protocol="ncacn_ip_tcp", dce=dce)
        dce.disconnect()
        check(binding == "ncacn_ip_tcp:127.0.0.1[%d]" % echo_port,
              "impacket's hept_map gives the server's dynamic port: %s" % binding)

        echo = transport.DCERPCTransportFactory(binding).get_dce_rpc()
        echo.connect()
        echo.bind(uuidtup_to_bin(ECHO))
        req = Twice()
        req["x"] = 50
        check(echo.request(req, checkError=False)["result"] == 100, "impacket calls Echo::Twice(50) there: 100")
        echo.disconnect()

        dce = mapper_dce(midlrtd_port)
        entries = epm.hept_lookup("127.0.0.1", dce=dce)
        dce.disconnect()
        mine = [e for e in entries if e["annotation"].rstrip(b"\x00") == b"midlc echo"]
        check(len(mine) == 1 and epm.PrintStringBinding(mine[0]["tower"]["Floors"]) ==
              "ncacn_ip_tcp:127.0.0.1[%d]" % echo_port,
              "impacket's hept_lookup lists the registration: %s" % [epm.PrintStringBinding(e["tower"]["Floors"])
                                                                     for e in entries])
    finally:
        stop(server)
    check(server.returncode == 0, "the echo server unregistered and stopped")
    dce = mapper_dce(midlrtd_port)
    try:
        epm.hept_map("127.0.0.1", uuidtup_to_bin(ECHO), protocol="ncacn_ip_tcp", dce=dce)
        check(False, "hept_map still finds the server after it unregistered")
    except DCERPCException as e:
        check(e.get_error_code() == 0x16c9a0d6, "after ept_delete, hept_map answers ept_s_not_registered")
    dce.disconnect()


def dissected(port, path):
    """tshark names the endpoint mapper's operations, and reads the port of the tower it answered."""
    ops = subprocess.run(["tshark", "-r", path, "-d", "tcp.port==%d,dcerpc" % port, "-Y", "epm",
                          "-T", "fields", "-e", "dcerpc.opnum"],
                         capture_output=True, text=True, check=True).stdout.split()
    for opnum, name in (("0", "ept_insert"), ("1", "ept_delete"), ("2", "ept_lookup"), ("3", "ept_map")):
        check(opnum in ops, "tshark dissects %s" % name)
    ports = subprocess.run(["tshark", "-r", path, "-d", "tcp.port==%d,dcerpc" % port, "-Y",
                            "epm && dcerpc.pkt_type==2", "-T", "fields", "-e", "epm.proto.tcp_port"],
                           capture_output=True, text=True, check=True).stdout.split()
    check(any(p for p in ports), "tshark reads the TCP port in the mapper's towers: %s" % ports)


def main():
    midlrtd, echo_exe = sys.argv[1], sys.argv[2]
    use_tshark = "--tshark" in sys.argv[3:]
    daemon = subprocess.Popen([midlrtd, "--listen", "ncacn_ip_tcp:127.0.0.1[0]"], stdout=subprocess.PIPE,
                              text=True)
    tmp = tempfile.mkdtemp()
    try:
        line = daemon.stdout.readline().strip()
        check(line.startswith("listening ncacn_ip_tcp:127.0.0.1["), "midlrtd listens: " + line)
        port = int(line[line.rindex("[") + 1:-1])
        path = os.path.join(tmp, "epm.pcapng")
        try:
            run_captured(port, path, use_tshark, lambda: run(port, echo_exe))
        except Skipped as e:
            print("SKIP:", e)
            return SKIP
        if use_tshark:
            analyse(port, path)
            dissected(port, path)
    finally:
        stop(daemon)
        shutil.rmtree(tmp, ignore_errors=True)
    check(daemon.returncode == 0, "midlrtd stopped cleanly")
    return 0


if __name__ == "__main__":
    sys.exit(main())
