#!/usr/bin/python3
"""impacket's DCOM structures use objects a generated server hands out as interface pointers.

usage: dcom_objects_impacket.py OBJECTS_SERVER [--tshark]
The server (tests/e2e/dcom_objects/objects_server.cpp) prints its factory's MInterfacePointer. impacket's
classes read the OBJREF (dcomrt.OBJREF_STANDARD), resolve its OXID at the resolver its saResAddr names
(dcomrt.IObjectExporter.ResolveOxid2), call IFactory::CreateCounter, read the returned interface pointer
(dcomrt.PMInterfacePointer), call the counter through its IPID, and release it (dcomrt.RemRelease): the
server's object goes. The method parameters are written as impacket NDR classes here. With --tshark the
traffic is captured and must dissect without malformed packets (exit 77, a ctest skip, when capturing is not
permitted).
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

from impacket.dcerpc.v5 import dcomrt, transport
from impacket.dcerpc.v5.dtypes import LONG, ULONG
from impacket.uuid import bin_to_string, uuidtup_to_bin

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "rpc"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_interop import SKIP, Skipped, analyse, check, run_captured, stop  # noqa: E402
from dcom_calls import call, orpc  # noqa: E402

ICOUNTER = ("6a0f5c1e-2d3b-4c4d-8e5f-9a0b1c2d3e01", "0.0")
IFACTORY = ("6a0f5c1e-2d3b-4c4d-8e5f-9a0b1c2d3e03", "0.0")
IREMUNKNOWN = ("00000131-0000-0000-C000-000000000046", "0.0")


class CreateCounter(dcomrt.DCOMCALL):
    opnum = 3
    structure = (("start", LONG),)


class CreateCounterResponse(dcomrt.DCOMANSWER):
    structure = (("counter", dcomrt.PMInterfacePointer), ("hr", ULONG))


class Add(dcomrt.DCOMCALL):
    opnum = 3
    structure = (("n", LONG),)


class AddResponse(dcomrt.DCOMANSWER):
    structure = (("total", LONG), ("hr", ULONG))


class Live(dcomrt.DCOMCALL):
    opnum = 8
    structure = ()


class LiveResponse(dcomrt.DCOMANSWER):
    structure = (("counters", LONG), ("hr", ULONG))




def objref_of(abdata):
    """impacket's reading of an OBJREF: the standard reference and the resolver's string bindings."""
    data = b"".join(abdata) if isinstance(abdata, list) else bytes(abdata)
    objref = dcomrt.OBJREF_STANDARD(data)
    check(objref["signature"] == 0x574F454D and objref["flags"] == dcomrt.FLAGS_OBJREF_STANDARD,
          "an OBJREF_STANDARD")
    packed = objref["saResAddr"]
    entries, offset = struct.unpack("<HH", packed[:4])
    strings = packed[4:4 + offset * 2]
    bindings = []
    while strings[:2] != b"\0\0":
        b = dcomrt.STRINGBINDING(strings)
        bindings.append(b["aNetworkAddr"].rstrip("\x00"))
        strings = strings[len(b):]
    return objref, bindings


def run(hexref, server):
    raw = bytes.fromhex(hexref)
    # The MInterfacePointer: max_count, ulCntData, then the OBJREF.
    (count,) = struct.unpack("<L", raw[4:8])
    factory, resolvers = objref_of(raw[8:8 + count])
    check(len(resolvers) == 1 and resolvers[0].startswith("127.0.0.1["),
          "the factory's OBJREF names the resolver at %s" % resolvers)
    port = int(resolvers[0][resolvers[0].index("[") + 1:-1])
    oxid = factory["std"]["oxid"]
    resolver = dcomrt.IObjectExporter(
        transport.DCERPCTransportFactory("ncacn_ip_tcp:127.0.0.1[%d]" % port).get_dce_rpc())
    exporter = [b["aNetworkAddr"].rstrip("\x00") for b in resolver.ResolveOxid2(oxid, (7,))]
    check(exporter == ["127.0.0.1[%d]" % port], "ResolveOxid2 gives the exporter's binding: %s" % exporter)

    t = transport.DCERPCTransportFactory("ncacn_ip_tcp:" + exporter[0])
    dce = t.get_dce_rpc()
    dce.connect()
    dce.bind(uuidtup_to_bin(IFACTORY))
    factory_ipid = bin_to_string(factory["std"]["ipid"])
    req = orpc(CreateCounter())
    req["start"] = 40
    resp = call(dce, req, factory_ipid, CreateCounterResponse)
    check(resp["hr"] == 0, "IFactory::CreateCounter(40) is S_OK")
    counter, _ = objref_of(resp["counter"]["abData"])
    check(bin_to_string(counter["iid"]).lower() == ICOUNTER[0] and counter["std"]["oxid"] == oxid and
          counter["std"]["cPublicRefs"] == 1,
          "it returns an OBJREF to ICounter on the same OXID, with one public reference")
    check(call(dce, orpc(Live()), factory_ipid, LiveResponse)["counters"] == 1, "the server holds one counter")

    counter_dce = dce.alter_ctx(uuidtup_to_bin(ICOUNTER))
    counter_ipid = bin_to_string(counter["std"]["ipid"])
    req = orpc(Add())
    req["n"] = 2
    check(call(counter_dce, req, counter_ipid, AddResponse)["total"] == 42, "ICounter::Add(2) on it is 42")

    remunknown_dce = counter_dce.alter_ctx(uuidtup_to_bin(IREMUNKNOWN))
    remunknown_ipid = bin_to_string(resolver_remunknown(port, oxid))
    req = orpc(dcomrt.RemRelease())
    req["cInterfaceRefs"] = 1
    ref = dcomrt.REMINTERFACEREF()
    ref["ipid"] = counter["std"]["ipid"]
    ref["cPublicRefs"] = 1
    ref["cPrivateRefs"] = 0
    req["InterfaceRefs"] = [ref]
    check(call(remunknown_dce, req, remunknown_ipid, dcomrt.RemReleaseResponse)["ErrorCode"] == 0,
          "RemRelease of its reference")
    check(call(dce, orpc(Live()), factory_ipid, LiveResponse)["counters"] == 0,
          "the server's counter went with its last reference")
    dce.disconnect()
    return port


def resolver_remunknown(port, oxid):
    """The IRemUnknown IPID of the exporter: ResolveOxid2's pipidRemUnknown (impacket returns the bindings
    alone, so the request is made with its classes directly)."""
    dce = transport.DCERPCTransportFactory("ncacn_ip_tcp:127.0.0.1[%d]" % port).get_dce_rpc()
    dce.connect()
    dce.bind(dcomrt.IID_IObjectExporter)
    req = dcomrt.ResolveOxid2()
    req["pOxid"] = oxid
    req["cRequestedProtseqs"] = 1
    req["arRequestedProtseqs"].append(7)
    resp = dce.request(req)
    dce.disconnect()
    return resp["pipidRemUnknown"]


def main():
    server_exe = sys.argv[1]
    use_tshark = "--tshark" in sys.argv[2:]
    server = subprocess.Popen([server_exe], stdout=subprocess.PIPE, text=True)
    tmp = tempfile.mkdtemp()
    try:
        line = server.stdout.readline().strip()
        check(line.startswith("objref="), "the server printed its factory's interface pointer")
        hexref = line[len("objref="):]
        # Its port, for the capture, from the OBJREF's resolver address.
        raw = bytes.fromhex(hexref)
        _, resolvers = objref_of(raw[8:8 + struct.unpack("<L", raw[4:8])[0]])
        port = int(resolvers[0][resolvers[0].index("[") + 1:-1])
        path = os.path.join(tmp, "objects.pcapng")
        try:
            run_captured(port, path, use_tshark, lambda: run(hexref, server))
        except Skipped as e:
            print("SKIP:", e)
            return SKIP
        if use_tshark:
            # As in dcom_impacket.py: tshark's OXID resolver dissector stops one entry short of a
            # DUALSTRINGARRAY that says "no security" (MS-DCOM 2.2.19.4) and calls the rest a long frame.
            analyse(port, path, tolerated={("IOXIDResolver", "Long frame")})
    finally:
        stop(server)
        shutil.rmtree(tmp, ignore_errors=True)
    check(server.returncode == 0, "the server stopped cleanly")
    return 0


if __name__ == "__main__":
    sys.exit(main())
