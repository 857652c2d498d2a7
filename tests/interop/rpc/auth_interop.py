#!/usr/bin/python3
"""impacket's own NTLM against our server at pkt_integrity and connect level.

usage: auth_interop.py SERVER_EXE [--tshark]
The server (interop_server --ntlm-users) accepts NTLM for a user file written here, serves the echo
interface to callers at pkt_integrity only and kOtherIf (who is calling) to anyone; 16 security contexts on
one connection (impacket's alter_ctx starts one each time) sign their calls each with its own keys, and a
17th is refused. impacket does not check the signatures of the responses it receives, so this script checks
each one itself (MS-NLMP 3.4.4 with extended session security, from the session key impacket negotiated):
our server's signatures, not only our server's verification of impacket's, are shown right by an
independent implementation.
With --tshark the traffic is captured and must dissect (auth trailers included) without malformed packets.
"""
import hashlib
import hmac
import os
import shutil
import struct
import subprocess
import sys
import tempfile

from Cryptodome.Cipher import ARC4
from impacket.dcerpc.v5 import transport
from impacket.dcerpc.v5.ndr import NDRCALL, NDRLONG
from impacket.dcerpc.v5.rpcrt import (DCERPCException, RPC_C_AUTHN_LEVEL_CONNECT,
                                      RPC_C_AUTHN_LEVEL_PKT_INTEGRITY, RPC_C_AUTHN_WINNT)
from impacket.uuid import uuidtup_to_bin

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_interop import SKIP, analyse, check, start_capture, stop_capture, stop_server  # noqa: E402

ECHO_IF = ("6d0a2f2e-4c1b-4a8e-9d3c-1f2e3d4c5b6a", "1.0")
WHO_IF = ("0f3c9a1e-77b2-4c55-8e21-5a6b7c8d9e0f", "2.1")
USERS = "TESTDOM:alice:Passw0rd!\n"


class Add(NDRCALL):
    opnum = 1
    structure = (("a", NDRLONG), ("b", NDRLONG))


class AddResponse(NDRCALL):
    structure = (("sum", NDRLONG),)


class ServerSignatures:
    """Checks the verifier of each response PDU our server sends: NTLM's MAC of the whole PDU up to the
    signature with the server-to-client keys and sequence numbers (MS-NLMP 3.4.4.2, MS-RPCE 3.3.1.5.2.2)."""

    def __init__(self, session_key):
        md5 = lambda b: hashlib.md5(b).digest()
        self.sign_key = md5(session_key + b"session key to server-to-client signing key magic constant\x00")
        self.rc4 = ARC4.new(md5(session_key + b"session key to server-to-client sealing key magic constant\x00"))
        self.seq = 0
        self.checked = 0

    def check_pdu(self, pdu):
        auth_len = struct.unpack_from("<H", pdu, 10)[0]
        if pdu[2] != 2 or auth_len == 0:  # responses only; faults carry no verifier
            return
        signed, sig = pdu[:-auth_len], pdu[-auth_len:]
        mac = hmac.new(self.sign_key, struct.pack("<I", self.seq) + signed, "md5").digest()[:8]
        expected = struct.pack("<I", 1) + self.rc4.encrypt(mac) + struct.pack("<I", self.seq)
        if sig != expected:
            raise AssertionError("response PDU %d: signature %s, expected %s" % (self.seq, sig.hex(), expected.hex()))
        self.seq += 1
        self.checked += 1


def connect(port, user="alice", password="Passw0rd!", level=RPC_C_AUTHN_LEVEL_PKT_INTEGRITY, iface=ECHO_IF):
    t = transport.DCERPCTransportFactory("ncacn_ip_tcp:127.0.0.1[%d]" % port)
    t.set_credentials(user, password, "TESTDOM")
    dce = t.get_dce_rpc()
    dce.set_auth_type(RPC_C_AUTHN_WINNT)
    dce.set_auth_level(level)
    dce.connect()
    dce.bind(uuidtup_to_bin(iface))
    return t, dce


def watch_responses(t, verifier):
    """Every PDU impacket receives through transport `t` goes to verifier.check_pdu first."""
    receive = t.recv
    pending = bytearray()  # impacket reads a PDU's header, then the rest

    def recv(*args, **kwargs):
        data = receive(*args, **kwargs)
        pending.extend(data)
        while len(pending) >= 16 and len(pending) >= struct.unpack_from("<H", pending, 8)[0]:
            n = struct.unpack_from("<H", pending, 8)[0]
            if n < 16:
                raise AssertionError("a PDU of frag_length %d" % n)
            verifier.check_pdu(bytes(pending[:n]))
            del pending[:n]
        return data

    t.recv = recv
    return verifier


def tamper_next_requests(t):
    """Changes a byte of the stub data of what impacket sends through `t`, after it signed (or sealed) it."""
    send = t.send

    def tamper(data, *args, **kwargs):
        data = bytearray(data)
        data[30] ^= 0x01  # inside the stub data of a request
        return send(bytes(data), *args, **kwargs)

    t.send = tamper
    return send


def expect_refusal(call, what):
    try:
        call()
    except DCERPCException as e:
        check("rpc_s_access_denied" in str(e), "%s is refused (%s)" % (what, e))
        return
    except Exception as e:  # the connection closing after the fault surfaces as a transport error
        raise AssertionError("%s: %r" % (what, e))
    raise AssertionError(what + " was not refused")


def run(port):
    # pkt_integrity: NDR calls and a fragmented echo, every response signature checked here.
    t, dce = connect(port)
    verifier = watch_responses(t, ServerSignatures(dce._DCERPC_v5__sessionKey))
    r = Add()
    r["a"], r["b"] = 40, 2
    check(dce.request(r, checkError=False)["sum"] == 42, "Add(40, 2) == 42, signed both ways")
    payload = os.urandom(150000)
    dce.call(0, payload)
    check(dce.recv() == payload, "150000-byte echo, each fragment signed both ways")
    check(verifier.checked >= 4, "%d response signatures verified with the server-to-client keys" % verifier.checked)

    # A byte changed after impacket signed the request: faulted, never dispatched; the server goes on.
    send = tamper_next_requests(t)
    r = Add()
    r["a"], r["b"] = 1, 2
    expect_refusal(lambda: dce.request(r, checkError=False), "a tampered signed request")
    t.send = send
    dce.disconnect()

    # The caller as the manager sees it.
    t, dce = connect(port, iface=WHO_IF)
    dce.call(0, b"")
    who = dce.recv()
    check(who == b"\x05TESTDOM\\alice", "the manager sees TESTDOM\\alice at pkt_integrity (%r)" % who)
    dce.disconnect()
    t, dce = connect(port, level=RPC_C_AUTHN_LEVEL_CONNECT, iface=WHO_IF)
    dce.call(0, b"")
    check(dce.recv() == b"\x02TESTDOM\\alice", "connect level: authenticated, PDUs unsigned")
    dce.disconnect()

    # Security contexts of their own on one connection (alter_context, as impacket's DCOM client starts one
    # per interface): each signs its calls with its own keys and sequence numbers; the server holds 16.
    t, dce = connect(port, iface=WHO_IF)
    contexts = [dce]
    for _ in range(15):
        contexts.append(contexts[-1].alter_ctx(uuidtup_to_bin(WHO_IF)))
    answers = []
    for c in contexts[::-1] + contexts:  # each context twice, in two orders
        c.call(0, b"")
        answers.append(c.recv())
    check(answers == [b"\x05TESTDOM\\alice"] * 32, "16 security contexts on one connection, each signing its calls")
    try:
        contexts[-1].alter_ctx(uuidtup_to_bin(WHO_IF))
    except DCERPCException as e:
        check("rpc_s_access_denied" in str(e), "a 17th security context on the connection is refused (%s)" % e)
    else:
        raise AssertionError("a 17th security context was accepted")
    dce.disconnect()

    # A wrong password, an unknown user, an unauthenticated caller: refused.
    for user, password in (("alice", "wrong"), ("mallory", "Passw0rd!")):
        t, dce = connect(port, user=user, password=password)
        r = Add()
        r["a"], r["b"] = 1, 2
        expect_refusal(lambda: dce.request(r, checkError=False), "NTLM as %s with password %r" % (user, password))
        dce.disconnect()
    t = transport.DCERPCTransportFactory("ncacn_ip_tcp:127.0.0.1[%d]" % port)
    dce = t.get_dce_rpc()
    dce.connect()
    dce.bind(uuidtup_to_bin(ECHO_IF))
    r = Add()
    r["a"], r["b"] = 1, 2
    expect_refusal(lambda: dce.request(r, checkError=False), "an unauthenticated call to an interface requiring integrity")
    dce.disconnect()

    # The server kept serving through all of it.
    t, dce = connect(port)
    r = Add()
    r["a"], r["b"] = 20, 22
    check(dce.request(r, checkError=False)["sum"] == 42, "the server still serves authenticated callers")
    dce.disconnect()


def main():
    exe = sys.argv[1]
    use_tshark = "--tshark" in sys.argv[2:]
    tmp = tempfile.mkdtemp()
    users = os.path.join(tmp, "users")
    with open(users, "w") as f:
        f.write(USERS)
    server = subprocess.Popen([exe, "--ntlm-users", users], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        binding = server.stdout.readline().strip()
        port = int(binding[binding.rindex("[") + 1:-1])
        print("server:", binding)
        cap = None
        path = os.path.join(tmp, "auth.pcapng")
        if use_tshark:
            cap, why = start_capture(port, path)
            if cap is None:
                print("SKIP:", why)
                return SKIP
        try:
            run(port)
        finally:
            stop_capture(cap)
        if cap is not None:
            analyse(port, path)
            fields = subprocess.run(["tshark", "-r", path, "-d", "tcp.port==%d,dcerpc" % port, "-Y",
                                     "dcerpc.auth_type == 10 && dcerpc.auth_level == 5",
                                     "-T", "fields", "-e", "dcerpc.pkt_type"],
                                    capture_output=True, text=True, check=True).stdout.split()
            check("0" in fields and "2" in fields and "16" in fields,
                  "tshark reads NTLM auth trailers at pkt_integrity on auth3, requests and responses")
    finally:
        stop_server(server)
        shutil.rmtree(tmp, ignore_errors=True)
    check(server.returncode == 0, "server shut down cleanly")
    return 0


if __name__ == "__main__":
    sys.exit(main())
