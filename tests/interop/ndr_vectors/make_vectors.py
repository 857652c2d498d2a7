#!/usr/bin/python3
"""Regenerates vectors.inc: NDR 2.0 octet streams written by impacket (an independent implementation).

Run with the system python that has impacket:  /usr/bin/python3 make_vectors.py
Each vector is impacket's output plus a mask of the bytes that are alignment padding. impacket fills
padding with marker bytes (0xbf, 0xcc, ...), where midlrt writes zeros; the mask is found by encoding every
value a second time with a copy of impacket's ndr module whose padding literals are rewritten to zero, and
marking the bytes that differ. See README.md for the cases where impacket departs from the spec.
"""

import os
import re
import struct
import sys
import types

import impacket.dcerpc.v5.ndr as impacket_ndr


def load_zero_padding_ndr():
    """impacket's ndr module, with every padding literal (b'\\xNN'*pad) replaced by zero bytes."""
    with open(impacket_ndr.__file__) as f:
        source = f.read()
    patched, count = re.subn(r"b'\\x[0-9a-fA-F]{2}'\s*\*\s*(pad0|pad)\b", r"b'\\x00'*\1", source)
    if count < 10:
        sys.exit("make_vectors.py: impacket's padding code changed (%d literals found)" % count)
    module = types.ModuleType("ndr_zero_padding")
    module.__file__ = impacket_ndr.__file__
    exec(compile(patched, impacket_ndr.__file__, "exec"), module.__dict__)
    return module


def wstr(s):
    return (s + "\0").encode("utf-16le")


def build_vectors(m):
    """Returns [(name, bytes)] built with the ndr module m. Referent ids are set to what midlrt's encoder
    hands out (0x20000, +4 for each non-NULL pointer, in the order the ids are written)."""
    vectors = []

    def add(name, obj):
        # As the only parameter of a call, so impacket writes the deferred referents after the flat part.
        class Call(m.NDRCALL):
            structure = (("x", type(obj)),)
        call = Call()
        call.fields["x"] = obj
        vectors.append((name, call.getData()))

    # Primitives in sequence, each aligned to its size.
    class Primitives(m.NDRSTRUCT):
        structure = (
            ("a", m.NDRUSMALL), ("b", m.NDRSHORT), ("c", m.NDRSMALL), ("d", m.NDRULONG), ("e", m.NDRUSMALL),
            ("f", m.NDRHYPER), ("g", m.NDRUSHORT), ("h", m.NDRFLOAT), ("i", m.NDRDOUBLEFLOAT),
            ("j", m.NDRUHYPER), ("k", m.NDRLONG),
        )
    p = Primitives()
    p["a"], p["b"], p["c"], p["d"], p["e"], p["f"] = 0xfe, -300, -7, 0xdeadbeef, 1, -(2**40)
    p["g"], p["h"], p["i"], p["j"], p["k"] = 0xffff, 1.5, -0.25, 2**64 - 1, -2
    add("primitives", p)

    class Flags(m.NDRSTRUCT):
        structure = (("t", m.NDRBOOLEAN), ("f", m.NDRBOOLEAN), ("c", m.NDRCHAR), ("w", m.NDRUSHORT))
    fl = Flags()
    fl["t"], fl["f"], fl["c"], fl["w"] = True, False, b"Q", 0x20ac
    add("bool_char_wchar", fl)

    class Color(m.NDRENUM):
        class enumItems(m.Enum):
            RED = 0
            BLUE = 0x7fff
    class WithEnum(m.NDRSTRUCT):
        structure = (("small", "<B"), ("color", Color))
    we = WithEnum()
    we["small"], we["color"] = 1, Color.enumItems.BLUE.value
    add("enum16", we)

    # Conformant arrays (a struct holding only the array: max_count first, as for a top-level one).
    class LongArray(m.NDRUniConformantArray):
        item = "<l"
    class HyperArray(m.NDRUniConformantArray):
        item = "<q"
    class ShortArray(m.NDRUniConformantArray):
        item = "<h"
    class OfLongs(m.NDRSTRUCT):
        structure = (("arr", LongArray),)
    class OfHypers(m.NDRSTRUCT):
        structure = (("arr", HyperArray),)
    v = OfLongs(); v["arr"] = [10, -1, 0x7fffffff]; add("conformant_long_array", v)
    v = OfLongs(); v["arr"] = []; add("conformant_empty_array", v)
    v = OfHypers(); v["arr"] = [1, -2]; add("conformant_hyper_array", v)

    # Varying array ([length_is] on a fixed array): offset, actual_count, elements.
    class ShortVarying(m.NDRUniVaryingArray):
        item = "<h"
    v = ShortVarying(); v["Data"] = [1, 2]; add("varying_short_array", v)

    # Conformant-varying array in a struct: max_count hoisted, variance in place.
    class LongCV(m.NDRUniConformantVaryingArray):
        item = "<l"
    class OfCV(m.NDRSTRUCT):
        structure = (("arr", LongCV),)
    v = OfCV(); v["arr"] = [7, 8, 9]; add("conformant_varying_long_array", v)

    # Strings: [string] char* and wchar_t* (terminator counted).
    class CharString(m.NDRSTRUCT):
        commonHdr = (("MaximumCount", "<L=len(Data)"), ("Offset", "<L=0"), ("ActualCount", "<L=len(Data)"))
        structure = (("Data", ":"),)
    class WideString(m.NDRSTRUCT):
        commonHdr = (("MaximumCount", "<L=len(Data)//2"), ("Offset", "<L=0"),
                     ("ActualCount", "<L=len(Data)//2"))
        structure = (("Data", ":"),)
    s = CharString(); s["Data"] = b"abc\0"; add("string_char", s)
    s = CharString(); s["Data"] = b"\0"; add("string_char_empty", s)
    s = WideString(); s["Data"] = wstr("h\u00e9llo"); add("string_wchar", s)
    s = WideString(); s["Data"] = wstr(""); add("string_wchar_empty", s)

    # Conformant struct: struct Blob { long n; [size_is(n)] short data[]; }
    class Blob(m.NDRSTRUCT):
        structure = (("n", m.NDRLONG), ("data", ShortArray))
    b = Blob(); b["n"] = 3; b["data"] = [5, 6, 7]; add("conformant_struct", b)

    # Conformant-varying struct: struct Named { short tag; [string] wchar_t name[]; }
    class WcharCV(m.NDRUniConformantVaryingArray):
        item = "<H"
    class Named(m.NDRSTRUCT):
        structure = (("tag", m.NDRSHORT), ("name", WcharCV))
    nm = Named(); nm["tag"] = 9; nm["name"] = [ord("a"), ord("b"), 0]; add("conformant_varying_struct", nm)

    # Pointers embedded in a struct: ids in place, referents deferred in member order.
    class PLONG(m.NDRPOINTER):
        referent = (("Data", "<l"),)
    class PPLONG(m.NDRPOINTER):
        referent = (("Data", PLONG),)
    class LPWSTR(m.NDRPOINTER):
        referent = (("Data", WideString),)
    class TwoPointers(m.NDRSTRUCT):
        structure = (("a", PLONG), ("b", PLONG), ("c", m.NDRLONG))
    tp = TwoPointers()
    tp.fields["a"]["ReferentID"] = 0x20000
    tp.fields["a"]["Data"] = 5
    tp["b"] = m.NDRPOINTERNULL()
    tp["c"] = -1
    add("unique_pointers_null_and_not", tp)

    class PointerToPointer(m.NDRSTRUCT):
        structure = (("pp", PPLONG),)
    pp = PointerToPointer()
    pp.fields["pp"]["ReferentID"] = 0x20000
    inner = pp.fields["pp"].fields["Data"]
    inner["ReferentID"] = 0x20004
    inner["Data"] = 7
    add("pointer_to_pointer", pp)

    # struct Entry { [string] wchar_t* name; [unique] long* value; }; struct { long n; [size_is(n)] Entry* }
    # modelled as the conformant array of Entry it points to: all flat parts, then each element's referents.
    class Entry(m.NDRSTRUCT):
        structure = (("name", LPWSTR), ("value", PLONG))
    class EntryArray(m.NDRUniConformantArray):
        item = Entry
    class Entries(m.NDRSTRUCT):
        structure = (("arr", EntryArray),)
    next_id = [0x20000]

    def ident():
        i = next_id[0]
        next_id[0] += 4
        return i
    items = []
    for name, value in (("a", 1), (None, 2), ("", None), ("xyz", -5)):
        e = Entry()
        if name is None:
            e["name"] = m.NDRPOINTERNULL()
        else:
            e.fields["name"]["ReferentID"] = ident()
            e.fields["name"].fields["Data"]["Data"] = wstr(name)
        if value is None:
            e["value"] = m.NDRPOINTERNULL()
        else:
            e.fields["value"]["ReferentID"] = ident()
            e.fields["value"]["Data"] = value
        items.append(e)
    es = Entries(); es["arr"] = items
    add("array_of_structs_with_string_and_unique_pointers", es)

    # struct Inner { [unique] long* p; }; struct Outer { [unique] Inner* a; [unique] long* b; }
    class Inner(m.NDRSTRUCT):
        structure = (("p", PLONG),)
    class PINNER(m.NDRPOINTER):
        referent = (("Data", Inner),)
    class Outer(m.NDRSTRUCT):
        structure = (("a", PINNER), ("b", PLONG))
    o = Outer()
    o.fields["a"]["ReferentID"] = 0x20000
    o.fields["b"]["ReferentID"] = 0x20004
    o.fields["b"]["Data"] = 0x22
    inner = o.fields["a"].fields["Data"]
    inner.fields["p"]["ReferentID"] = 0x20008
    inner.fields["p"]["Data"] = 0x11
    add("nested_deferral_depth_first", o)

    # Non-encapsulated unions, [switch_type(short)]. Only arms aligned to 4 or 8 are compared: impacket
    # always pads the discriminant to 4, which matches the spec for those arms (README.md).
    class U(m.NDRUNION):
        union = {1: ("l", "<l"), 2: ("d", "<d")}
    u = U(); u["tag"] = 1; u["l"] = -1; add("union_short_tag_long_arm", u)
    u = U(); u["tag"] = 2; u["d"] = 1.0; add("union_short_tag_double_arm", u)

    class LongTagUnion(m.NDRUNION):
        commonHdr = (("tag", m.NDRULONG),)
        union = {1: ("s", "<h"), 2: ("q", "<q")}
    u = LongTagUnion(); u["tag"] = 1; u["s"] = -3; add("union_long_tag_short_arm", u)
    u = LongTagUnion(); u["tag"] = 2; u["q"] = 5; add("union_long_tag_hyper_arm", u)

    # A union inside a struct: struct Holder { short before; U u; long after; [unique] long* p; }
    class Holder(m.NDRSTRUCT):
        structure = (("before", m.NDRSHORT), ("u", U), ("after", m.NDRLONG), ("p", PLONG))
    h = Holder()
    h["before"] = 1
    h.fields["u"]["tag"] = 2
    h.fields["u"]["d"] = 0.5
    h["after"] = 2
    h.fields["p"]["ReferentID"] = 0x20000
    h.fields["p"]["Data"] = 4
    add("union_inside_struct", h)
    return vectors


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    real = build_vectors(impacket_ndr)
    zeroed = build_vectors(load_zero_padding_ndr())
    lines = [
        "// Generated by make_vectors.py from impacket's NDR encoder. Do not edit; run the script instead.",
        "// {name, impacket's bytes, mask}: mask 00 marks alignment padding (impacket fills it with marker",
        "// bytes, midlrt with zeros); ff marks bytes that must match exactly.",
    ]
    for (name, data), (name2, zdata) in zip(real, zeroed):
        assert name == name2 and len(data) == len(zdata), name
        mask = bytes(0x00 if a != b else 0xff for a, b in zip(data, zdata))
        if any(b != 0 for a, b, k in zip(data, zdata, mask) if k == 0):
            sys.exit("padding of %s is not zero in the patched module" % name)
        lines.append('{"%s", "%s", "%s"},' % (name, data.hex(), mask.hex()))
    with open(os.path.join(here, "vectors.inc"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote %d vectors" % len(real))


if __name__ == "__main__":
    main()
