#!/usr/bin/python3
"""impacket against our server: bind, NDR calls, faults, fragmentation, an unknown interface.

usage: run_interop.py SERVER_EXE [--tshark]
With --tshark the traffic is captured on loopback and every PDU must dissect without malformed packets
or warning-level expert items (TCP flow-control notes excepted); exits 77 (ctest skip) when capturing
is not permitted.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid as uuidlib

from impacket.dcerpc.v5 import transport
from impacket.dcerpc.v5.ndr import NDRCALL, NDRLONG, NDRULONG, NDRUniConformantArray
from impacket.dcerpc.v5.rpcrt import DCERPCException
from impacket.uuid import uuidtup_to_bin, string_to_bin

ECHO_IF = "6d0a2f2e-4c1b-4a8e-9d3c-1f2e3d4c5b6a"
SKIP = 77


class Add(NDRCALL):
    opnum = 1
    structure = (("a", NDRLONG), ("b", NDRLONG))


class AddResponse(NDRCALL):
    structure = (("sum", NDRLONG),)


class LongArray(NDRUniConformantArray):
    item = NDRLONG


class SumArray(NDRCALL):
    opnum = 7
    structure = (("values", LongArray),)


class SumArrayResponse(NDRCALL):
    structure = (("sum", NDRLONG), ("count", NDRULONG))


def in_private_network(script):
    """Runs `script` (with this process's arguments) again in a network namespace of its own, its loopback
    up, for a test that needs a fixed well-known port (135, 88) without touching the machine's: its exit
    status, or None if it cannot (not root, or no unshare/ip). Inside, MIDLC_PRIVATE_NETWORK is "1"."""
    if os.environ.get("MIDLC_PRIVATE_NETWORK") == "1":
        raise RuntimeError("already in a private network namespace")
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("ip") is None:
        return None
    inner = "ip link set lo up && exec \"$0\" \"$@\""
    env = dict(os.environ, MIDLC_PRIVATE_NETWORK="1")
    return subprocess.call(["unshare", "-n", "sh", "-c", inner, sys.executable, os.path.abspath(script)] +
                           sys.argv[1:], env=env)


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what)


def expect_fault(dce, opnum, body, name):
    try:
        dce.call(opnum, body)
        dce.recv()
    except DCERPCException as e:
        check(name in str(e), "opnum %d faults with %s (%s)" % (opnum, name, e))
        return
    raise AssertionError("opnum %d did not fault" % opnum)


def run_impacket(host, port):
    binding = "ncacn_ip_tcp:%s[%d]" % (host, port)
    t = transport.DCERPCTransportFactory(binding)
    dce = t.get_dce_rpc()
    dce.connect()
    dce.bind(uuidtup_to_bin((ECHO_IF, "1.0")))

    r = Add()
    r["a"] = 40
    r["b"] = 2
    resp = dce.request(r, checkError=False)
    check(resp["sum"] == 42, "Add(40, 2) == 42 with NDR-encoded longs")

    r = Add()
    r["a"] = -7
    r["b"] = 3
    check(dce.request(r, checkError=False)["sum"] == -4, "Add(-7, 3) == -4")

    s = SumArray()
    values = list(range(-50, 1000))
    items = []
    for v in values:
        item = NDRLONG()
        item["Data"] = v
        items.append(item)
    s["values"] = items
    resp = dce.request(s, checkError=False)
    check(resp["count"] == len(values) and resp["sum"] == sum(values),
          "SumArray over an NDR conformant array of %d longs" % len(values))

    payload = os.urandom(200000)
    dce.call(0, payload)
    check(dce.recv() == payload, "200000-byte echo, fragmented both ways")

    obj = str(uuidlib.uuid4())
    dce.call(5, b"", uuid=string_to_bin(obj))
    who = dce.recv()
    check(who[:4] == b"\x01\x00\x00\x00" and who[4:20] == string_to_bin(obj),
          "object UUID (PFC_OBJECT_UUID) reaches the stub")

    expect_fault(dce, 10, b"", "nca_s_op_rng_error")  # the echo interface's kOpCount (echo_service.h)
    expect_fault(dce, 1, b"abc", "rpc_x_bad_stub_data")

    dce2 = dce.alter_ctx(uuidtup_to_bin((ECHO_IF, "1.0")))
    r = Add()
    r["a"] = 1
    r["b"] = 2
    check(dce2.request(r, checkError=False)["sum"] == 3, "call on a context added by alter_context")
    dce.disconnect()

    t = transport.DCERPCTransportFactory(binding)
    dce = t.get_dce_rpc()
    dce.connect()
    try:
        dce.bind(uuidtup_to_bin((str(uuidlib.uuid4()), "1.0")))
    except DCERPCException as e:
        check("abstract_syntax_not_supported" in str(e), "bind to an unknown interface is rejected (%s)" % e)
    else:
        raise AssertionError("bind to unknown interface accepted")
    dce.disconnect()


def start_capture(port, path):
    tshark = shutil.which("tshark")
    if tshark is None:
        return None, "tshark not installed"
    p = subprocess.Popen([tshark, "-i", "lo", "-f", "tcp port %d" % port, "-w", path],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # tshark reports on stderr once it captures; give up if it exits first.
    deadline = time.time() + 15
    err = ""
    os.set_blocking(p.stderr.fileno(), False)
    while time.time() < deadline:
        try:
            err += os.read(p.stderr.fileno(), 4096).decode(errors="replace")
        except BlockingIOError:
            pass
        if "Capturing on" in err:
            time.sleep(0.3)
            return p, None
        if p.poll() is not None:
            return None, "capture not permitted: " + err.strip()
        time.sleep(0.05)
    p.kill()
    return None, "tshark did not start: " + err.strip()


class Skipped(Exception):
    """The test cannot run here (a capture not permitted...): its script exits with SKIP."""


def run_captured(port, path, capture, body):
    """body()'s result, with `port`'s loopback traffic captured into `path` while it runs if `capture`
    (tshark). Raises Skipped when capturing is not permitted."""
    cap = None
    if capture:
        cap, why = start_capture(port, path)
        if cap is None:
            raise Skipped(why)
    try:
        return body()
    finally:
        stop_capture(cap)


def stop_capture(cap):
    """Stops a capture start_capture began (None: nothing to stop), after letting it take the last packets."""
    if cap is None:
        return
    time.sleep(0.5)
    cap.terminate()
    cap.wait(timeout=10)


def stop(process):
    """SIGTERM, then SIGKILL if it has not exited within 10 s (None: nothing to stop)."""
    if process is None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def stop_server(server):
    """Closes an interop server's stdin (it then shuts down) and waits for it; kills it after 10 s."""
    server.stdin.close()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def analyse(port, path, tolerated=()):
    """No malformed packets and no warning-level expert items (TCP flow control aside). `tolerated`: (protocol,
    summary) expert items a caller has explained, printed and not counted."""
    base = ["tshark", "-r", path, "-d", "tcp.port==%d,dcerpc" % port]
    pdus = subprocess.run(base + ["-Y", "dcerpc", "-T", "fields", "-e", "dcerpc.pkt_type"],
                          capture_output=True, text=True, check=True).stdout.split()
    check(len(pdus) > 10, "capture holds %d DCE/RPC PDUs" % len(pdus))
    malformed = subprocess.run(base + ["-Y", "_ws.malformed"], capture_output=True, text=True,
                               check=True).stdout.strip()
    if malformed:
        print(malformed)
    check(malformed == "", "no malformed packets")
    # Expert items of warning level and above, except TCP flow control (the Python reader is slow).
    stats = subprocess.run(base + ["-q", "-z", "expert,warn"], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    bad = []
    for line in stats:
        cols = line.split(None, 3)
        if len(cols) == 4 and cols[0].isdigit() and cols[2] != "TCP":
            if (cols[2], cols[3].strip()) in tolerated:
                print("tolerated expert item:", line.strip())
            else:
                bad.append(line.strip())
    for line in bad:
        print("expert:", line)
    check(not bad, "no warning-level expert items from DCE/RPC dissection")


def main():
    exe = sys.argv[1]
    use_tshark = "--tshark" in sys.argv[2:]
    server = subprocess.Popen([exe], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        binding = server.stdout.readline().strip()
        port = int(binding[binding.rindex("[") + 1:-1])
        print("server:", binding)
        cap = None
        tmp = tempfile.mkdtemp()
        path = os.path.join(tmp, "rpc.pcapng")
        if use_tshark:
            cap, why = start_capture(port, path)
            if cap is None:
                print("SKIP:", why)
                return SKIP
        try:
            run_impacket("127.0.0.1", port)
        finally:
            if cap is not None:
                time.sleep(0.5)
                cap.terminate()
                try:
                    cap.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    cap.kill()
        if cap is not None:
            analyse(port, path)
        shutil.rmtree(tmp, ignore_errors=True)
    finally:
        stop_server(server)
    check(server.returncode == 0, "server shut down cleanly")
    return 0


if __name__ == "__main__":
    sys.exit(main())
