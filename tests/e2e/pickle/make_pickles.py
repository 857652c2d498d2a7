#!/usr/bin/python3
"""Writes pickled values (MS-RPCE 2.2.6, type serialization version 1) made by impacket, for pickle_test.cpp.

Run at build time with the system python that has impacket:  /usr/bin/python3 make_pickles.py OUTPUT.inc
Each entry is {name, hex}. Names ending in "_spec" are what the specification asks for, so midlc's
generated *_Encode must produce them exactly; the others are impacket's own output, which the generated
*_Decode must read. Where impacket departs from the specification (README.md beside this script):
- its TypeSerialization1 class writes the private header's filler as 0xCCCCCCCC (2.2.6.2: zero) and counts
  no padding in ObjectBufferLength, nor writes any (2.2.6.2: the value is padded to a multiple of 8);
- it places the max_count of a conformant struct before the common header, so the body of such a struct
  is made by impacket's NDR encoder (as the only parameter of a call, which puts max_count first) and framed
  by impacket's CommonHeader and PrivateHeader classes;
- it aligns a struct to its fields' own alignments, leaving out a union field's arms (C706 14.3.8: the union
  aligns to its largest arm), so Measure's arms here are no wider than its discriminant;
- its NDR fills alignment gaps with marker bytes; the "_spec" forms use a copy of impacket's NDR module
  whose padding is zero (the one tests/interop/ndr_vectors/make_vectors.py makes).
"""

import importlib.util
import os
import sys

from impacket.dcerpc.v5 import ndr as impacket_ndr
from impacket.dcerpc.v5.rpcrt import CommonHeader, PrivateHeader, TypeSerialization1

HERE = os.path.dirname(os.path.abspath(__file__))


def zero_padding_ndr():
    path = os.path.join(HERE, "..", "..", "interop", "ndr_vectors", "make_vectors.py")
    spec = importlib.util.spec_from_file_location("make_vectors", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.load_zero_padding_ndr()


def wstr(s):
    return (s + "\0").encode("utf-16le")


def body_of(m, value):
    """impacket's NDR of `value` as a top-level value: its flat part, then its deferred referents."""
    class Call(m.NDRCALL):
        structure = (("x", type(value)),)
    call = Call()
    call.fields["x"] = value
    return call.getData()


def frame(body, spec):
    """Headers by impacket's classes around `body`: as the specification asks (padding counted and written,
    private filler zero), or as impacket's TypeSerialization1 writes them."""
    common = CommonHeader()
    private = PrivateHeader()
    if spec:
        body += b"\0" * (-len(body) % 8)
        private["Filler"] = 0
    private["ObjectBufferLength"] = len(body)
    return common.getData() + private.getData() + body


def record_class(m):
    """Record (pickle_types.idl) as impacket classes of the NDR module m."""
    class WideString(m.NDRSTRUCT):
        commonHdr = (("MaximumCount", "<L=len(Data)//2"), ("Offset", "<L=0"),
                     ("ActualCount", "<L=len(Data)//2"))
        structure = (("Data", ":"),)

    class LPWSTR(m.NDRPOINTER):
        referent = (("Data", WideString),)

    class PLONG(m.NDRPOINTER):
        referent = (("Data", "<l"),)

    class Measure(m.NDRUNION):
        commonHdr = (("tag", m.NDRLONG),)
        union = {1: ("count", "<l"), 2: ("level", "<h")}

    class ShortArray(m.NDRUniConformantArray):
        item = "<h"

    class Record(m.NDRSTRUCT):
        structure = (("id", m.NDRLONG), ("name", LPWSTR), ("limit", PLONG), ("kind", m.NDRLONG),
                     ("measure", Measure), ("count", m.NDRLONG), ("samples", ShortArray))
    return Record


def fill_record(r, first_id=0x20000):
    """Every field of Record set; referent ids as midlrt hands them out (first_id, then +4)."""
    r["id"] = 7
    r.fields["name"]["ReferentID"] = first_id
    r.fields["name"].fields["Data"]["Data"] = wstr("h\u00e9llo")
    r.fields["limit"]["ReferentID"] = first_id + 4
    r.fields["limit"]["Data"] = 100
    r["kind"] = 2
    r.fields["measure"]["tag"] = 2
    r.fields["measure"]["level"] = -3
    r["count"] = 3
    r["samples"] = [1, -2, 3]
    return r


def record(m):
    return fill_record(record_class(m)())


def record_ref(m, null=False):
    """RecordRef, a [unique] Record*: the referent id (0x20000, the first midlrt hands out), then Record."""
    class PRECORD(m.NDRPOINTER):
        referent = (("Data", record_class(m)),)
    p = PRECORD()
    if null:
        return m.NDRPOINTERNULL()
    p["ReferentID"] = 0x20000
    fill_record(p.fields["Data"], 0x20004)
    return p


def measure(m):
    class Measure(m.NDRUNION):
        commonHdr = (("tag", m.NDRLONG),)
        union = {1: ("count", "<l"), 2: ("level", "<h")}
    u = Measure()
    u["tag"] = 1
    u["count"] = -5
    return u


def point(spec):
    """Point through impacket's own TypeSerialization1 (no padding needed: 8 bytes of NDR)."""
    class Point(TypeSerialization1):
        structure = (("x", impacket_ndr.NDRLONG), ("y", impacket_ndr.NDRLONG))
    p = Point()
    p["x"] = 1
    p["y"] = -2
    if spec:
        p["PrivateHeader"]["Filler"] = 0
    return p.getData()


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_pickles.py OUTPUT.inc")
    zero = zero_padding_ndr()
    entries = [
        ("point_spec", point(True)),
        ("point_impacket", point(False)),
        ("record_spec", frame(body_of(zero, record(zero)), True)),
        ("record_impacket", frame(body_of(impacket_ndr, record(impacket_ndr)), False)),
        ("record_ref_spec", frame(body_of(zero, record_ref(zero)), True)),
        ("record_ref_null_spec", frame(body_of(zero, record_ref(zero, null=True)), True)),
        ("measure_impacket", frame(body_of(impacket_ndr, measure(impacket_ndr)), False)),
    ]
    lines = ["// Generated by make_pickles.py from impacket's encoder at build time. Do not edit."]
    lines += ['{"%s", "%s"},' % (name, data.hex()) for name, data in entries]
    with open(sys.argv[1], "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
