#!/usr/bin/python3
"""Writes seed inputs for the runtime's PDU fuzz targets: rpc_seeds.py SERVER_DIR CLIENT_DIR.

Server seeds start with the prelude byte (1: a valid bind first) and hold requests (whole and fragmented),
co_cancel and orphaned PDUs for the target's interface; client seeds hold what a server may answer call 2
with: a response, a fragmented response, a fault. Encoded here from C706 chapter 12's layouts.
"""
import os
import struct
import sys


def header(ptype, flags, frag_len, call_id):
    # rpc_vers 5.0, ptype, pfc_flags, little-endian data representation, frag_length, auth_length, call_id
    return struct.pack("<BBBB4sHHI", 5, 0, ptype, flags, b"\x10\0\0\0", frag_len, 0, call_id)


def request(call_id, opnum, stub, flags=3):
    body = struct.pack("<IHH", len(stub), 0, opnum) + stub
    return header(0, flags, 16 + len(body), call_id) + body


def response(call_id, stub, flags=3):
    body = struct.pack("<IHBB", len(stub), 0, 0, 0) + stub
    return header(2, flags, 16 + len(body), call_id) + body


def fault(call_id, status):
    body = struct.pack("<IHBBII", 0, 0, 0, 0, status, 0)
    return header(3, 3, 16 + len(body), call_id) + body


def main():
    server_dir, client_dir = sys.argv[1], sys.argv[2]
    server = {
        "echo": b"\x01" + request(2, 0, b"hello world!"),
        "faults": b"\x01" + request(2, 1, b"") + request(3, 2, b""),
        "cancel": b"\x01" + request(2, 3, b"") + header(18, 3, 16, 2),
        "orphan": b"\x01" + request(2, 3, b"") + header(19, 3, 16, 2),
        "fragments": b"\x01" + request(2, 0, b"abcd", flags=1) + request(2, 0, b"efgh", flags=2),
    }
    client = {
        "response": response(2, b"\x04\x03\x02\x01"),
        "fragments": response(2, b"ab", flags=1) + response(2, b"cd", flags=2),
        "fault": fault(2, 0x1C010002),
    }
    for folder, seeds in ((server_dir, server), (client_dir, client)):
        os.makedirs(folder, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(folder, name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
