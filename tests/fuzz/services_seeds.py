#!/usr/bin/python3
"""Writes seed inputs for midlrt_fuzz_services: services_seeds.py DIR.

Each seed is the operation byte of services_fuzz.cpp's table, then a request's stub data as impacket's own
classes write it: ept_map, ept_lookup and ept_insert (epm), RemoteCreateInstance with impacket's activation
properties (dcomrt.IRemoteSCMActivator, captured before it is sent), ResolveOxid2 and ComplexPing, and
RemQueryInterface.
"""
import os
import sys

from impacket.dcerpc.v5 import dcomrt, epm
from impacket.dcerpc.v5.dtypes import NULL
from impacket.uuid import string_to_bin, uuidtup_to_bin

CLASS = "6a0f5c1e-2d3b-4c4d-8e5f-9a0b1c2d3e10"
IFACE = ("5e1f4c2a-7b3d-4e8f-9a0b-1c2d3e4f5a60", "1.2")


class Captured(Exception):
    pass


class CapturingDce:
    """Stands in for a connection: keeps the request impacket would send."""
    def __init__(self):
        self.data = None

    def bind(self, *args, **kwargs):
        pass

    def request(self, req, *args, **kwargs):
        self.data = req.getData()
        raise Captured()


def activation_request():
    dce = CapturingDce()
    try:
        dcomrt.IRemoteSCMActivator(dce).RemoteCreateInstance(string_to_bin(CLASS), dcomrt.IID_IRemUnknown2)
    except Captured:
        pass
    return dce.data


def tower():
    t = epm.EPMTower()
    iface = uuidtup_to_bin(IFACE)
    i = epm.EPMRPCInterface()
    i["InterfaceUUID"] = iface[:16]
    i["MajorVersion"] = 1
    i["MinorVersion"] = 2
    n = epm.EPMRPCDataRepresentation()
    n["DataRepUuid"] = uuidtup_to_bin(("8a885d04-1ceb-11c9-9fe8-08002b104860", "2.0"))[:16]
    n["MajorVersion"] = 2
    p = epm.EPMProtocolIdentifier()
    p["ProtIdentifier"] = epm.FLOOR_RPCV5_IDENTIFIER
    port = epm.EPMPortAddr()
    port["IpPort"] = 4747
    host = epm.EPMHostAddr()
    host["Ip4addr"] = b"\x7f\x00\x00\x01"
    t["NumberOfFloors"] = 5
    t["Floors"] = i.getData() + n.getData() + p.getData() + port.getData() + host.getData()
    return t.getData()


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    t = tower()
    m = epm.ept_map()
    m["obj"] = NULL
    m["map_tower"]["tower_length"] = len(t)
    m["map_tower"]["tower_octet_string"] = t
    m["max_towers"] = 4
    lookup = epm.ept_lookup()
    lookup["inquiry_type"] = epm.RPC_C_EP_ALL_ELTS
    lookup["object"] = NULL
    lookup["Ifid"] = NULL
    lookup["vers_option"] = epm.RPC_C_VERS_ALL
    lookup["max_ents"] = 10
    # ept_insert has no impacket class: its one entry (object, tower pointer, annotation), then replace.
    entry = epm.ept_entry_t()
    entry["object"] = b"\0" * 16
    entry["tower"]["tower_length"] = len(t)
    entry["tower"]["tower_octet_string"] = t
    entry["annotation"] = list(b"seed\0")

    class EptInsert(epm.NDRCALL):
        opnum = 0
        structure = (("num_ents", epm.ULONG), ("entries", epm.ept_entry_t_array), ("replace", epm.ULONG))
    insert = EptInsert()
    insert["num_ents"] = 1
    insert["entries"].append(entry)
    insert["replace"] = 1

    resolve = dcomrt.ResolveOxid2()
    resolve["pOxid"] = 0x1122334455667788
    resolve["cRequestedProtseqs"] = 1
    resolve["arRequestedProtseqs"].append(7)
    ping = dcomrt.ComplexPing()
    ping["pSetId"] = 0
    ping["SequenceNum"] = 1
    ping["cAddToSet"] = 1
    oid = dcomrt.OID()
    oid["Data"] = 0x42
    ping["AddToSet"].append(oid)
    ping["cDelFromSet"] = 0
    ping["DelFromSet"] = NULL
    qi = dcomrt.RemQueryInterface()
    qi["ORPCthis"]["cid"] = b"\x11" * 16
    qi["ORPCthis"]["extensions"] = NULL
    qi["ORPCthis"]["version"]["MajorVersion"] = 5
    qi["ORPCthis"]["version"]["MinorVersion"] = 7
    qi["ripid"] = b"\x22" * 16
    qi["cRefs"] = 1
    qi["cIids"] = 1
    iid = dcomrt.IID()
    iid["Data"] = string_to_bin("00000000-0000-0000-c000-000000000046")
    qi["iids"].append(iid)
    seeds = {
        "ept_insert": (0, insert.getData()),
        "ept_lookup": (2, lookup.getData()),
        "ept_map": (3, m.getData()),
        "create_instance": (8, activation_request()),
        "resolve_oxid2": (13, resolve.getData()),
        "complex_ping": (11, ping.getData()),
        "rem_query_interface": (15, qi.getData()),
    }
    for name, (op, data) in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes([op]) + data)
    print("wrote %d seeds to %s" % (len(seeds), out))


if __name__ == "__main__":
    main()
