#!/usr/bin/python3
"""Our client against impacket's DCERPCServer: usage impacket_server.py CLIENT_EXE."""
import struct
import subprocess
import sys

from impacket.dcerpc.v5.rpcrt import DCERPCServer

ECHO_IF = ("6d0a2f2e-4c1b-4a8e-9d3c-1f2e3d4c5b6a", "1.0")


def add(stub):
    a, b = struct.unpack("<ii", stub[:8])
    return struct.pack("<i", a + b)


def main():
    server = DCERPCServer()
    server.addCallbacks(ECHO_IF, "", {0: lambda stub: stub, 1: add})
    server.daemon = True
    port = server.getListenPort()
    server.start()
    result = subprocess.run([sys.argv[1], "ncacn_ip_tcp:127.0.0.1[%d]" % port], timeout=60)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
