"""What the DCOM interop scripts share: an object call framed as impacket's DCOM client frames it."""
from impacket.dcerpc.v5.dtypes import NULL
from impacket.uuid import generate, string_to_bin


def u32(v):
    """An HRESULT as impacket's signed LONG fields hold it, as the unsigned value it is compared with."""
    return v & 0xffffffff


def orpc(req):
    """`req` (an impacket DCOMCALL) with an ORPCTHIS of version 5.7, a fresh causality id, no extensions."""
    this = req["ORPCthis"]
    this["version"]["MajorVersion"] = 5
    this["version"]["MinorVersion"] = 7
    this["flags"] = 0
    this["reserved1"] = 0
    this["cid"] = generate()
    this["extensions"] = NULL
    return req


def call(dce, req, ipid, response):
    """Calls the object whose IPID is `ipid` (text) through `dce`, and reads the reply as `response`."""
    dce.call(req.opnum, req, uuid=string_to_bin(ipid))
    return response(dce.recv())
