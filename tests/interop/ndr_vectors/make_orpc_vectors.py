#!/usr/bin/python3
"""Regenerates orpc_vectors.inc: MS-DCOM's structures as impacket's DCOM client writes them
(impacket.dcerpc.v5.dcomrt's own structure definitions, an implementation independent of ours): ORPCTHIS and
ORPCTHAT (2.2.13), OBJREF (2.2.18) with its packed DUALSTRINGARRAY (2.2.19.1), MInterfacePointer (2.2.14), and
the NDR forms of STDOBJREF and DUALSTRINGARRAY.

Run with the system python that has impacket:  /usr/bin/python3 make_orpc_vectors.py
The values are chosen so that no alignment padding occurs (every piece is 4-aligned and extent data is a
multiple of 8), so impacket's bytes must equal ours exactly. Referent ids are set to what midlrt's encoder
hands out (0x20000, +4 per non-NULL pointer in the order written).
"""
import os

import impacket.dcerpc.v5.dcomrt as dcomrt
from impacket.dcerpc.v5 import ndr
from impacket.dcerpc.v5.dtypes import NULL
from impacket.uuid import string_to_bin

CID = "12345678-9abc-def0-1122-334455667788"


def as_parameter(obj):
    """The structure as the only parameter of a call, so its deferred referents follow it."""
    class Call(ndr.NDRCALL):
        structure = (("x", type(obj)),)
    call = Call()
    call.fields["x"] = obj
    return call.getData()


def extent_array(extents):
    """extents: [(guid text, data bytes)] -> ORPC_EXTENT_ARRAY with (n+1)&~1 entries, the rounding's NULL."""
    arr = dcomrt.ORPC_EXTENT_ARRAY()
    arr["size"] = len(extents)
    arr["reserved"] = 0
    entries = []
    ident = 0x20008
    for guid, data in extents:
        x = dcomrt.ORPC_EXTENT()
        x["id"] = string_to_bin(guid)
        x["size"] = len(data)
        x["data"] = list(data + b"\0" * (-len(data) % 8))
        p = dcomrt.PORPC_EXTENT()
        p["Data"] = x
        p.fields["ReferentID"] = ident
        ident += 4
        entries.append(p)
    if len(extents) % 2:
        entries.append(NULL)
    arr["extent"] = entries
    arr.fields["extent"].fields["ReferentID"] = 0x20004
    return arr


def with_extensions(t, extents):
    """t (an ORPCTHIS or ORPCTHAT) with `extents`, or a NULL extensions pointer, as a parameter's bytes."""
    if extents:
        t["extensions"] = extent_array(extents)
        t.fields["extensions"].fields["ReferentID"] = 0x20000
    else:
        t["extensions"] = NULL
    return as_parameter(t)


def orpcthis(extents):
    t = dcomrt.ORPCTHIS()
    t["version"]["MajorVersion"] = 5
    t["version"]["MinorVersion"] = 7
    t["flags"] = 0
    t["reserved1"] = 0
    t["cid"] = string_to_bin(CID)
    return with_extensions(t, extents)


def orpcthat(flags, extents):
    t = dcomrt.ORPCTHAT()
    t["flags"] = flags
    return with_extensions(t, extents)


BINDINGS = [(7, "127.0.0.1"), (7, "host.example[4242]")]
SECURITY = [(10, ""), (16, "host/server@EXAMPLE.ORG")]
IID = "00000143-0000-0000-c000-000000000046"
IPID = "0102a0b0-c0d0-e0f0-0102-030405060708"


def packed_bindings(strings, security):
    """strings: [(tower, address)], security: [(authn, principal)] -> (entries bytes, wSecurityOffset)."""
    out = b""
    for tower, address in strings:
        b = dcomrt.STRINGBINDING()
        b["wTowerId"] = tower
        b["aNetworkAddr"] = address + "\x00"
        out += b.getData()
    out += b"\0\0" if strings else b"\0\0\0\0"
    offset = len(out) // 2
    for authn, principal in security:
        b = dcomrt.SECURITYBINDING()
        b["wAuthnSvc"] = authn
        b["Reserved"] = 0xffff
        b["aPrincName"] = principal + "\x00"
        out += b.getData()
    out += b"\0\0" if security else b"\0\0\0\0"
    return out, offset


def dualstringarray_packed(strings, security):
    entries, offset = packed_bindings(strings, security)
    d = dcomrt.DUALSTRINGARRAYPACKED()
    d["wNumEntries"] = len(entries) // 2
    d["wSecurityOffset"] = offset
    d["aStringArray"] = entries
    return d.getData()


def dualstringarray_ndr(strings, security):
    entries, offset = packed_bindings(strings, security)
    d = dcomrt.DUALSTRINGARRAY()
    d["wNumEntries"] = len(entries) // 2
    d["wSecurityOffset"] = offset
    d["aStringArray"] = [int.from_bytes(entries[i:i + 2], "little") for i in range(0, len(entries), 2)]
    return as_parameter(d)


def stdobjref(public_refs):
    s = dcomrt.STDOBJREF()
    s["flags"] = 0
    s["cPublicRefs"] = public_refs
    s["oxid"] = 0x1122334455667788
    s["oid"] = 0x0102030405060708
    s["ipid"] = string_to_bin(IPID)
    return s


def objref_standard(strings, security):
    o = dcomrt.OBJREF_STANDARD()
    o["iid"] = string_to_bin(IID)
    o["std"] = stdobjref(5)
    o["saResAddr"] = dualstringarray_packed(strings, security)
    return o.getData()


def objref_custom(data):
    """As impacket's RemoteCreateInstance writes its activation properties."""
    o = dcomrt.OBJREF_CUSTOM()
    o["iid"] = dcomrt.IID_IActivationPropertiesIn[:-4]
    o["clsid"] = dcomrt.CLSID_ActivationPropertiesIn
    o["pObjectData"] = data
    o["ObjectReferenceSize"] = len(data) + 8
    return o.getData()


def interface_pointer(objref):
    m = dcomrt.MInterfacePointer()
    m["ulCntData"] = len(objref)
    m["abData"] = list(objref)
    return as_parameter(m)


def main():
    one = [("aabbccdd-0011-2233-4455-66778899aabb", b"hello")]
    two = [("aabbccdd-0011-2233-4455-66778899aabb", b"twelve bytes"),
           ("00000001-0002-0003-0405-060708090a0b", b"8 bytes!")]
    vectors = [
        ("orpcthis_no_extensions", orpcthis([])),
        ("orpcthis_one_extent", orpcthis(one)),
        ("orpcthis_two_extents", orpcthis(two)),
        ("orpcthat_no_extensions", orpcthat(0, [])),
        ("orpcthat_one_extent", orpcthat(7, one)),
        ("objref_standard", objref_standard(BINDINGS, SECURITY)),
        ("objref_no_bindings", objref_standard([], [])),
        ("objref_custom", objref_custom(b"activation properties")),
        ("minterfacepointer", interface_pointer(objref_standard(BINDINGS, SECURITY))),
        ("stdobjref_ndr", as_parameter(stdobjref(1))),
        ("dualstringarray_ndr", dualstringarray_ndr(BINDINGS, SECURITY)),
    ]
    lines = ["// Generated by make_orpc_vectors.py from impacket's DCOM structures. Do not edit; run the script."]
    for name, data in vectors:
        lines.append('{"%s", "%s"},' % (name, data.hex()))
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "orpc_vectors.inc"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote %d vectors" % len(vectors))


if __name__ == "__main__":
    main()
