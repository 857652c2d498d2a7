#!/usr/bin/python3
"""impacket's DCOM structures drive the object exporter of a generated server through IRemUnknown.

usage: dcom_impacket.py SHAPES_SERVER [--tshark]
The server (tests/e2e/dcom_exporter/shapes_server.cpp) exports one object as IShape and prints its IPID and
the exporter's IRemUnknown IPID. impacket's own RemQueryInterface, RemAddRef and RemRelease classes
(impacket.dcerpc.v5.dcomrt, unmodified) query the object for INamed, add and release references; the object
is called through each IPID it was given, and goes when its last reference is released. RemQueryInterface2,
which impacket lacks, is written here from impacket's NDR types. With --tshark the traffic is captured and
must dissect as DCOM (IRemUnknown's ORPCTHIS and STDOBJREFs) without malformed packets (exit 77, a ctest skip, when
capturing is not permitted).
"""
import os
import shutil
import subprocess
import sys
import tempfile

from impacket.dcerpc.v5 import dcomrt, transport
from impacket.dcerpc.v5.dtypes import DOUBLE, LPSTR, ULONG, USHORT
from impacket.dcerpc.v5.ndr import NDRUniConformantArray
from impacket.dcerpc.v5.rpcrt import DCERPCException
from impacket.uuid import bin_to_string, string_to_bin, uuidtup_to_bin

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "rpc"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_interop import SKIP, Skipped, analyse, check, run_captured, stop  # noqa: E402
from dcom_calls import call, orpc, u32  # noqa: E402

IREMUNKNOWN = ("00000131-0000-0000-C000-000000000046", "0.0")
IREMUNKNOWN2 = ("00000143-0000-0000-C000-000000000046", "0.0")
ISHAPE = ("5e1d0c2a-7b1f-4d0e-9a51-2f3c4d5e6f01", "0.0")
INAMED = ("5e1d0c2a-7b1f-4d0e-9a51-2f3c4d5e6f02", "0.0")
ICOLORED = "5e1d0c2a-7b1f-4d0e-9a51-2f3c4d5e6f03"
S_FALSE = 1
E_NOINTERFACE = 0x80004002
E_INVALIDARG = 0x80070057


class Area(dcomrt.DCOMCALL):
    opnum = 3
    structure = ()


class AreaResponse(dcomrt.DCOMANSWER):
    structure = (("area", DOUBLE), ("hr", ULONG))


class Name(dcomrt.DCOMCALL):
    opnum = 3
    structure = ()


class NameResponse(dcomrt.DCOMANSWER):
    structure = (("name", LPSTR), ("hr", ULONG))


class HRESULT_ARRAY(NDRUniConformantArray):
    item = ULONG


class PMInterfacePointer_ARRAY(NDRUniConformantArray):
    item = dcomrt.PMInterfacePointer


class RemQueryInterface2(dcomrt.DCOMCALL):  # MS-DCOM 3.1.1.5.7.1.1, opnum 6
    opnum = 6
    structure = (("ripid", dcomrt.REFIPID), ("cIids", USHORT), ("iids", dcomrt.IID_ARRAY))


class RemQueryInterface2Response(dcomrt.DCOMANSWER):
    structure = (("phr", HRESULT_ARRAY), ("ppMIF", PMInterfacePointer_ARRAY), ("ErrorCode", ULONG))




def iid_array(*iids):
    out = []
    for text in iids:
        iid = dcomrt.IID()
        iid["Data"] = string_to_bin(text)
        out.append(iid)
    return out


def refs(*entries):
    out = []
    for ipid, public, private in entries:
        r = dcomrt.REMINTERFACEREF()
        r["ipid"] = string_to_bin(ipid)
        r["cPublicRefs"] = public
        r["cPrivateRefs"] = private
        out.append(r)
    return out



def resolver_calls(port, oxid, oid):
    """impacket's IObjectExporter client against the resolver the server serves beside its exporter."""
    def resolver():
        return dcomrt.IObjectExporter(transport.DCERPCTransportFactory("ncacn_ip_tcp:127.0.0.1[%d]" % port)
                                      .get_dce_rpc())

    bindings = resolver().ResolveOxid2(oxid, (7,))
    check([(b["wTowerId"], b["aNetworkAddr"]) for b in bindings] == [(7, "127.0.0.1[%d]\x00" % port)],
          "ResolveOxid2 answers the exporter's binding, with its port")
    try:
        resolver().ResolveOxid2(oxid ^ 1, (7,))
        check(False, "ResolveOxid2 of an unknown OXID is refused")
    except DCERPCException as e:
        check(e.get_error_code() == 1910, "ResolveOxid2 of an unknown OXID is OR_INVALID_OXID: %s" % e)
    resp = resolver().ComplexPing(0, 0, [oid])
    set_id = resp["pSetId"]
    check(resp["ErrorCode"] == 0 and set_id != 0, "ComplexPing makes a ping set holding the object: %#x" % set_id)
    check(resolver().SimplePing(set_id)["ErrorCode"] == 0, "SimplePing pings it")
    alive = resolver().ServerAlive2()  # impacket returns the resolver's string bindings
    check([(b["wTowerId"], b["aNetworkAddr"]) for b in alive] == [(7, "127.0.0.1[%d]\x00" % port)],
          "ServerAlive2 answers the resolver's own binding")


def run(port, remunknown, shape, oxid, oid, server):
    resolver_calls(port, oxid, oid)

    t = transport.DCERPCTransportFactory("ncacn_ip_tcp:127.0.0.1[%d]" % port)
    dce = t.get_dce_rpc()
    dce.connect()
    dce.bind(uuidtup_to_bin(IREMUNKNOWN))

    # impacket's RemQueryInterfaceResponse reads one REMQIRESULT (its own client asks for one IID at a
    # time), so each IID is asked for in a call of its own.
    def query(iid, refs_):
        req = orpc(dcomrt.RemQueryInterface())
        req["ripid"] = string_to_bin(shape)
        req["cRefs"] = refs_
        req["cIids"] = 1
        req["iids"] = iid_array(iid)
        return call(dce, req, remunknown, dcomrt.RemQueryInterfaceResponse)

    resp = query(INAMED[0], 2)
    named = resp["ppQIResults"]["std"]
    check(resp["ErrorCode"] == 0 and resp["ppQIResults"]["hResult"] == 0, "RemQueryInterface(INamed) is S_OK")
    check(named["oxid"] == oxid and named["oid"] == oid and named["cPublicRefs"] == 2,
          "INamed's STDOBJREF: the exporter's OXID, the object's OID, the 2 references asked for")
    named_ipid = bin_to_string(named["ipid"]).lower()
    check(named_ipid != shape, "INamed has an IPID of its own: %s" % named_ipid)
    resp = query(ICOLORED, 1)
    check(resp["ErrorCode"] == E_NOINTERFACE and u32(resp["ppQIResults"]["hResult"]) == E_NOINTERFACE,
          "RemQueryInterface(IColored) is E_NOINTERFACE")

    # The object, through each of its IPIDs. (impacket's alter_ctx presents its own context id + 1, so each
    # new context is altered from the last one: four contexts on one connection.)
    shape_dce = dce.alter_ctx(uuidtup_to_bin(ISHAPE))
    check(call(shape_dce, orpc(Area()), shape, AreaResponse)["area"] == 4.0, "IShape::Area through its IPID")
    named_dce = shape_dce.alter_ctx(uuidtup_to_bin(INAMED))
    check(call(named_dce, orpc(Name()), named_ipid, NameResponse)["name"] == "square\x00",
          "INamed::Name through the IPID RemQueryInterface returned")

    # RemQueryInterface2 on IRemUnknown2: the reference as an OBJREF inside an MInterfacePointer.
    dce2 = named_dce.alter_ctx(uuidtup_to_bin(IREMUNKNOWN2))
    req = orpc(RemQueryInterface2())
    req["ripid"] = string_to_bin(shape)
    req["cIids"] = 1
    req["iids"] = iid_array(INAMED[0])
    resp = call(dce2, req, remunknown, RemQueryInterface2Response)
    check(resp["ErrorCode"] == 0 and resp["phr"][0]["Data"] == 0, "RemQueryInterface2(INamed) is S_OK")
    objref = dcomrt.OBJREF(b"".join(resp["ppMIF"][0]["abData"]))
    check(objref["signature"] == 0x574F454D and objref["flags"] == dcomrt.FLAGS_OBJREF_STANDARD,
          "its MInterfacePointer holds an OBJREF_STANDARD")
    std = dcomrt.OBJREF_STANDARD(b"".join(resp["ppMIF"][0]["abData"]))
    resolver = std["saResAddr"][4:].decode("utf-16-le")
    check(resolver.startswith("\x07127.0.0.1[%d]\x00" % port),
          "its saResAddr names the resolver this server serves, with its port: %r" % resolver)
    check(bin_to_string(std["iid"]).lower() == INAMED[0] and std["std"]["oxid"] == oxid and
          bin_to_string(std["std"]["ipid"]).lower() == named_ipid and std["std"]["cPublicRefs"] == 1,
          "the OBJREF names INamed's IPID on the exporter's OXID with 1 public reference")

    # References: 5 public (exported) on IShape, 2 + 1 (the two queries) on INamed; add 3 private ones.
    req = orpc(dcomrt.RemAddRef())
    req["cInterfaceRefs"] = 2
    req["InterfaceRefs"] = refs((shape, 0, 3), ("11111111-2222-3333-4444-555555555555", 1, 0))
    resp = call(dce, req, remunknown, dcomrt.RemAddRefResponse)
    check(u32(resp["ErrorCode"]) == E_INVALIDARG and [u32(r["Data"]) for r in resp["pResults"]] == [0, E_INVALIDARG],
          "RemAddRef: S_OK for the object's IPID, E_INVALIDARG for an unknown one")

    def release(*entries):
        req = orpc(dcomrt.RemRelease())
        req["cInterfaceRefs"] = len(entries)
        req["InterfaceRefs"] = refs(*entries)
        return call(dce, req, remunknown, dcomrt.RemReleaseResponse)["ErrorCode"]

    check(release((shape, 5, 3)) == 0, "RemRelease of every reference on IShape")
    try:
        call(shape_dce, orpc(Area()), shape, AreaResponse)
        check(False, "a call on the released IPID is refused")
    except DCERPCException as e:
        check("RPC_E_DISCONNECTED" in str(e), "a call on the released IPID faults with "
              "RPC_E_DISCONNECTED: %s" % e)
    check(call(named_dce, orpc(Name()), named_ipid, NameResponse)["name"] == "square\x00",
          "the object lives on through INamed")
    check(release((named_ipid, 3, 0)) == 0, "RemRelease of every reference on INamed")
    line = server.stdout.readline().strip()
    check(line == "destroyed", "the object is destroyed with its last reference (server said %r)" % line)
    dce.disconnect()


def main():
    server_exe = sys.argv[1]
    use_tshark = "--tshark" in sys.argv[2:]
    server = subprocess.Popen([server_exe], stdout=subprocess.PIPE, text=True)
    tmp = tempfile.mkdtemp()
    try:
        fields = server.stdout.readline().split()
        print("server:", " ".join(fields))
        endpoint = fields[0]
        port = int(endpoint[endpoint.rindex("[") + 1:-1])
        values = dict(f.split("=", 1) for f in fields[1:])
        path = os.path.join(tmp, "dcom.pcapng")
        try:
            run_captured(port, path, use_tshark,
                         lambda: run(port, values["remunknown"], values["shape"], int(values["oxid"], 16),
                                     int(values["oid"], 16), server))
        except Skipped as e:
            print("SKIP:", e)
            return SKIP
        if use_tshark:
            # tshark's OXID resolver dissector reads security bindings up to the first 0 and ignores
            # wNumEntries, so it stops one entry short of a DUALSTRINGARRAY that says "no security" (a
            # SECURITYBINDING of RPC_C_AUTHN_NONE, a lone 0, then the terminator: MS-DCOM 2.2.19.4), and
            # after a NULL binding pointer (OR_INVALID_OXID) it reads no other [out] parameter. Both leave
            # bytes it calls a long frame; impacket parses the same replies in full (above).
            analyse(port, path, tolerated={("IOXIDResolver", "Long frame")})
            dissected(port, path, values)
    finally:
        stop(server)
        shutil.rmtree(tmp, ignore_errors=True)
    check(server.returncode == 0, "the server stopped cleanly")
    return 0


def dissected(port, path, values):
    """tshark decodes the IRemUnknown calls as DCOM: ORPCTHIS/ORPCTHAT and the STDOBJREFs. (Its IRemUnknown2
    dissector stops at RemQueryInterface2's stub data, so the OBJREF there is checked by impacket alone.)"""
    base = ["tshark", "-r", path, "-d", "tcp.port==%d,dcerpc" % port]

    def field(name, filter_):
        out = subprocess.run(base + ["-Y", filter_, "-T", "fields", "-e", name], capture_output=True, text=True,
                             check=True).stdout.split()
        return [v for line in out for v in line.split(",")]

    check(len(field("frame.number", "remunk")) >= 8, "tshark dissects the IRemUnknown calls and replies")
    check(len(field("frame.number", "dcom.this.uuid")) >= 4, "tshark reads the causality id of the ORPCTHIS of "
          "RemQueryInterface and RemRelease")
    addresses = field("dcom.dualstringarray.network_addr", "oxid")
    check(addresses and set(addresses) == {"127.0.0.1[%d]" % port},
          "tshark reads the bindings ResolveOxid2 and ServerAlive2 answer: %s" % addresses)
    oxids = [int(o, 16) for o in field("dcom.oxid", "remunk")]
    found = [o for o in oxids if o != 0]  # an E_NOINTERFACE result carries a zero STDOBJREF
    check(found and all(o == int(values["oxid"], 16) for o in found),
          "the STDOBJREFs tshark reads carry the exporter's OXID: %s" % [hex(o) for o in oxids])


if __name__ == "__main__":
    sys.exit(main())
