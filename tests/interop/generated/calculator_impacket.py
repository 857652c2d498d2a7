#!/usr/bin/python3
"""impacket (an independent DCE/RPC and NDR implementation) calls the generated calculator server.

usage: calculator_impacket.py CALCULATOR_SERVER [--tshark]
Binds to the Calculator RPC interface and to the IAccumulator object interface, encodes the requests with
impacket's NDR classes (the pipes, which impacket lacks, by hand from C706), and checks the replies. With --tshark the traffic is captured and must dissect without
malformed packets (exit 77, a ctest skip, when capturing is not permitted).
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

from impacket.dcerpc.v5 import dcomrt, transport
from impacket.dcerpc.v5.dtypes import NULL
from impacket.dcerpc.v5.rpcrt import DCERPCException
from impacket.dcerpc.v5.ndr import NDRCALL, NDRLONG, NDRSTRUCT
from impacket.uuid import generate, string_to_bin, uuidtup_to_bin

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "rpc"))
from run_interop import SKIP, Skipped, analyse, check, run_captured, stop  # noqa: E402  (capture helpers shared with the runtime's test)

CALCULATOR = ("8f4e2a10-3c51-4d8e-9a7b-2f1c6d5e4b30", "1.0")
ACCUMULATOR = ("3a9d3b52-8c0e-4f61-b7a2-5d6e7f809a1b", "0.0")
ACCUMULATOR_OBJECT = "aaaaaaaa-0000-4000-8000-000000000001"


class Add(NDRCALL):
    opnum = 0
    structure = (("a", NDRLONG), ("b", NDRLONG))


class AddResponse(NDRCALL):
    structure = (("result", NDRLONG),)


class Apply(NDRCALL):  # Operation is [v1_enum]: 32 bits on the wire
    opnum = 1
    structure = (("op", NDRLONG), ("a", NDRLONG), ("b", NDRLONG))


class ApplyResponse(NDRCALL):
    structure = (("result", NDRLONG), ("status", NDRLONG))


class CharString(NDRSTRUCT):
    commonHdr = (("MaximumCount", "<L=len(Data)"), ("Offset", "<L=0"), ("ActualCount", "<L=len(Data)"))
    structure = (("Data", ":"),)


class Greet(NDRCALL):
    opnum = 3
    structure = (("name", CharString),)


# The object interface's calls, as impacket's DCOM client frames them: ORPCTHIS before the parameters,
# ORPCTHAT before the results (MS-DCOM 2.2.13).
class AccumulatorAdd(dcomrt.DCOMCALL):
    opnum = 3
    structure = (("value", NDRLONG),)


class AccumulatorTotal(dcomrt.DCOMCALL):
    opnum = 4
    structure = ()


class AccumulatorReset(dcomrt.DCOMCALL):
    opnum = 5
    structure = ()


class HresultResponse(dcomrt.DCOMANSWER):
    structure = (("hr", NDRLONG),)


class TotalResponse(dcomrt.DCOMANSWER):
    structure = (("total", NDRLONG), ("hr", NDRLONG))


def orpc_call(cls, extension=None, **params):
    """An object call with an ORPCTHIS of version 5.7 and a fresh causality id, with one ORPC extension
    (id, data) when given, which the server must ignore (its format is unknown to it)."""
    req = cls()
    this = req["ORPCthis"]
    this["version"]["MajorVersion"] = 5
    this["version"]["MinorVersion"] = 7
    this["flags"] = 0
    this["reserved1"] = 0
    this["cid"] = generate()
    if extension is None:
        this["extensions"] = NULL
    else:
        arr = dcomrt.ORPC_EXTENT_ARRAY()
        arr["size"] = 1
        arr["reserved"] = 0
        x = dcomrt.ORPC_EXTENT()
        x["id"] = string_to_bin(extension[0])
        x["size"] = len(extension[1])
        x["data"] = list(extension[1] + b"\0" * (-len(extension[1]) % 8))
        p = dcomrt.PORPC_EXTENT()
        p["Data"] = x
        arr["extent"] = [p, NULL]
        this["extensions"] = arr
    for k, v in params.items():
        req[k] = v
    return req


def run(port):
    t = transport.DCERPCTransportFactory("ncacn_ip_tcp:127.0.0.1[%d]" % port)
    dce = t.get_dce_rpc()
    dce.connect()
    dce.bind(uuidtup_to_bin(CALCULATOR))

    r = Add()
    r["a"], r["b"] = 40, 2
    check(dce.request(r, checkError=False)["result"] == 42, "Calculator.Add(40, 2) == 42")

    # A hostile client's overflow is faulted (nca_s_fault_int_overflow), not undefined behaviour in the server.
    r = Add()
    r["a"], r["b"] = 0x7FFFFFFF, 1
    try:
        dce.request(r, checkError=False)
        fault = None
    except DCERPCException as e:
        fault = str(e)
    check(fault is not None and "nca_s_fault_int_overflow" in fault, "Calculator.Add(INT_MAX, 1) faults: %s" % fault)

    r = Apply()
    r["op"], r["a"], r["b"] = 4, 6, 7  # OpMultiply = OpAdd << 2
    resp = dce.request(r, checkError=False)
    check(resp["result"] == 42 and resp["status"] == 0, "Calculator.Apply(OpMultiply, 6, 7) == 42")

    # SumPoints is left out: impacket pads a conformant array of 8-byte-aligned structs by 4 more bytes than
    # C706 (it aligns the elements as if the stream started 4 bytes later), so its bytes are not NDR there.
    # The same construct is checked byte for byte against the specification in tests/e2e/ndr_types.

    r = Greet()
    name = CharString()
    name["Data"] = b"impacket\x00"
    r["name"] = name
    dce.call(r.opnum, r)
    reply = dce.recv()
    # [out, string] char**: a referent id, then max_count, offset, actual_count and the characters.
    referent, max_count, offset, actual = struct.unpack_from("<4L", reply)
    greeting = reply[16:16 + actual]
    check(referent != 0 and offset == 0 and max_count == actual and greeting == b"Hello, impacket!\x00",
          "Calculator.Greet([in, string] char*, [out, string] char**) -> %r" % greeting)

    # Accumulate([in] DOUBLE_PIPE values, [out] DOUBLE_PIPE* runningSums), written by hand from C706's pipe
    # encoding: each chunk a u32 count (aligned to 4), then its doubles (aligned to 8), a zero count at the end.
    def chunks(parts):
        out = b""
        for part in parts:
            out += struct.pack("<L", len(part))
            if part:
                out += b"\0" * (-len(out) % 8) + struct.pack("<%dd" % len(part), *part)
        return out

    # The reply: the [out] pipe's chunks, then the result (a double, aligned to 8). Returns the chunks and
    # the result, or None for the result when bytes are left over.
    def accumulate(parts):
        dce.call(5, chunks(parts))
        reply = dce.recv()
        pos, received = 0, []
        while True:
            pos += -pos % 4
            (count,) = struct.unpack_from("<L", reply, pos)
            pos += 4
            if count == 0:
                break
            pos += -pos % 8
            received.append(list(struct.unpack_from("<%dd" % count, reply, pos)))
            pos += 8 * count
        pos += -pos % 8
        (total,) = struct.unpack_from("<d", reply, pos)
        return received, (total if pos + 8 == len(reply) else None)

    received, total = accumulate([[1.0, 2.0, 3.5], [10.0], []])
    # Chunk boundaries are the server's choice (it drains the [in] pipe before pushing): the sums are not.
    check(sum(received, []) == [1.0, 3.0, 6.5, 16.5] and total == 16.5,
          "Calculator.Accumulate([in] pipe, [out] pipe) -> chunks %r, total %r" % (received, total))

    # A large Accumulate: 100,000 doubles in chunks of 1,000 (800 KB each way), which impacket sends in many
    # request fragments and the server streams back in many response fragments (alloc_hint 0: not known).
    values = [float(i % 7) for i in range(100000)]
    received, total = accumulate([values[i:i + 1000] for i in range(0, len(values), 1000)] + [[]])
    sums = sum(received, [])
    check(len(sums) == len(values) and sums[-1] == sum(values) and total == sum(values),
          "Calculator.Accumulate, 100,000 values each way over many fragments -> %d sums, total %r" %
          (len(sums), total))

    # The object interface: the object's UUID rides in the request (PFC_OBJECT_UUID), and the calls are
    # framed by impacket's ORPCTHIS and ORPCTHAT; the second Add carries an ORPC extension of a format the
    # server does not know, which it ignores.
    obj = dce.alter_ctx(uuidtup_to_bin(ACCUMULATOR))
    unknown_extension = ("0badc0de-1234-4321-8765-0123456789ab", b"ignore me")
    for what, req in (("Reset()", orpc_call(AccumulatorReset)),
                      ("Add(40)", orpc_call(AccumulatorAdd, value=40)),
                      ("Add(2), with an unknown ORPC extension", orpc_call(AccumulatorAdd, unknown_extension, value=2))):
        obj.call(req.opnum, req, uuid=string_to_bin(ACCUMULATOR_OBJECT))
        resp = HresultResponse(obj.recv())
        check(resp["hr"] == 0 and resp["ORPCthat"].fields["extensions"].fields["ReferentID"] == 0,
              "IAccumulator.%s returns S_OK after an ORPCTHAT without extensions" % what)
    req = orpc_call(AccumulatorTotal)
    obj.call(req.opnum, req, uuid=string_to_bin(ACCUMULATOR_OBJECT))
    resp = TotalResponse(obj.recv())
    check(resp["total"] == 42 and resp["hr"] == 0, "IAccumulator.Total() == 42 after Reset, Add(40), Add(2)")
    # A call without its ORPCTHIS (the parameters alone) is refused as bad stub data, and the server goes on.
    obj.call(3, (5).to_bytes(4, "little"), uuid=string_to_bin(ACCUMULATOR_OBJECT))
    try:
        obj.recv()
        check(False, "a call without ORPCTHIS was refused")
    except DCERPCException as e:
        check("rpc_x_bad_stub_data" in str(e), "a call without ORPCTHIS is refused: %s" % e)
    req = orpc_call(AccumulatorTotal)
    obj.call(req.opnum, req, uuid=string_to_bin(ACCUMULATOR_OBJECT))
    check(TotalResponse(obj.recv())["total"] == 42, "IAccumulator.Total() is still 42 after the refused call")
    dce.disconnect()


def fragments(port, path):
    """The large Accumulate went over many fragments each way, and tshark reassembled every one."""
    base = ["tshark", "-r", path, "-d", "tcp.port==%d,dcerpc" % port]
    for pkt_type, what in ((0, "request"), (2, "response")):
        frames = subprocess.run(
            base + ["-Y", "dcerpc.pkt_type == %d && dcerpc.cn_flags.last_frag == 0" % pkt_type, "-T", "fields",
                    "-e", "frame.number"], capture_output=True, text=True, check=True).stdout.split()
        check(len(frames) >= 10, "%d %s fragments are not the last of their call" % (len(frames), what))


def main():
    server_exe = sys.argv[1]
    use_tshark = "--tshark" in sys.argv[2:]
    server = subprocess.Popen([server_exe, "ncacn_ip_tcp:127.0.0.1[0]"], stdout=subprocess.PIPE, text=True)
    tmp = tempfile.mkdtemp()
    try:
        line = server.stdout.readline().strip()
        port = int(line[line.rindex("[") + 1:-1])
        print("server:", line)
        path = os.path.join(tmp, "calculator.pcapng")
        try:
            run_captured(port, path, use_tshark, lambda: run(port))
        except Skipped as e:
            print("SKIP:", e)
            return SKIP
        if use_tshark:
            analyse(port, path)
            fragments(port, path)
    finally:
        stop(server)
        shutil.rmtree(tmp, ignore_errors=True)
    check(server.returncode == 0, "the generated server stopped cleanly")
    return 0


if __name__ == "__main__":
    sys.exit(main())
