#!/usr/bin/python3
"""impacket's own Kerberos (through SPNEGO) against our server at pkt_integrity and pkt_privacy.

usage: kerberos_impacket.py SERVER_EXE [--tshark]
impacket signs the stub data alone (it does not offer PFC_SUPPORT_HEADER_SIGN), pads it to 4, carries the
client's AP-REP in alter_context, and asks its KDC on port 88 only. impacket 0.10's own exchanges with an
MIT 1.20 KDC fail (it expects the AS-REP's encrypted part tagged EncASRepPart, which MIT tags EncTGSRepPart
as RFC 4120 allows; its TGS-REQ lacks the checksum MIT 1.20 requires), so alice's tickets come from kinit and
kvno, through the credential cache impacket reads (as its `-k` users do); the AP-REQ, the GSS tokens, the
PDUs' MIC and wrap tokens and everything else on the DCE/RPC connection are impacket's. The script runs itself again in a
private network namespace (as root, unshare -n; exit 77 without), where an MIT KDC of the test's own
(scripts/test_kdc.py, realm MIDLC.TEST) takes port 88 on loopback and the server (interop_server
--krb5-keytab) serves host/localhost. impacket does not check the MIC tokens it receives, so this script
checks each response's itself (RFC 4121 4.2.6.1, with the acceptor's subkey impacket negotiated); at
pkt_privacy impacket's own decryption checks the response's checksum.
With --tshark the traffic is captured and must dissect (Kerberos trailers included) without malformed
packets.
"""
import hmac
import os
import struct
import subprocess
import sys
import tempfile

from Cryptodome.Cipher import ARC4
from impacket.dcerpc.v5 import transport
from impacket.dcerpc.v5.rpcrt import (DCERPCException, RPC_C_AUTHN_GSS_NEGOTIATE,
                                      RPC_C_AUTHN_LEVEL_PKT_INTEGRITY, RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
from impacket.krb5.gssapi import GSSAPI
from impacket.krb5.kerberosv5 import KerberosError, SessionKeyDecryptionError
from impacket.uuid import uuidtup_to_bin

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "scripts"))
from auth_interop import ECHO_IF, WHO_IF, Add, expect_refusal, tamper_next_requests, watch_responses  # noqa: E402
from run_interop import (SKIP, analyse, check, in_private_network, start_capture, stop_capture,  # noqa: E402
                         stop_server)
from test_kdc import TestKdc, installed  # noqa: E402

KG_USAGE_ACCEPTOR_SIGN = 23
SENT_BY_ACCEPTOR, ACCEPTOR_SUBKEY = 0x01, 0x04
RC4_MIC_HEADER = b"\x60\x23\x06\x09\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"  # GSS framing, krb5 OID


class ServerMics:
    """Checks the verifier of each response PDU our server sends at pkt_integrity: a MIC token (GSS_GetMICEx,
    MS-RPCE 2.2.2.12) over the stub data and its padding alone (no header signing), made with the key
    impacket negotiated, its sequence numbers consecutive: RFC 4121's for AES, RFC 4757's for RC4 (which
    impacket's own GSS_GetMIC computes, as the acceptor, for comparison)."""

    def __init__(self, dce):
        self.key = dce._DCERPC_v5__sessionKey
        self.gss = GSSAPI(dce._DCERPC_v5__cipher)
        self.seq = None
        self.checked = 0

    def check_pdu(self, pdu):
        auth_len = struct.unpack_from("<H", pdu, 10)[0]
        if pdu[2] != 2 or auth_len == 0:  # responses only; faults carry no verifier
            return
        token = pdu[-auth_len:]
        stub_and_pad = pdu[24:-auth_len - 8]
        if token.startswith(RC4_MIC_HEADER):
            mic = token[len(RC4_MIC_HEADER):]
            kseq = hmac.new(hmac.new(self.key.contents, struct.pack("<L", 0), "md5").digest(), mic[16:24],
                            "md5").digest()
            plain = ARC4.new(kseq).decrypt(mic[8:16])
            if plain[4:] != b"\xff" * 4:
                raise AssertionError("response MIC not marked as the acceptor's: %s" % plain.hex())
            seq = struct.unpack(">L", plain[:4])[0]
            expected = self.gss.GSS_GetMIC(self.key, stub_and_pad, seq, direction="accept")
        else:
            tok_id, flags, filler, seq = struct.unpack_from(">HB5sQ", token)
            if tok_id != 0x0404 or flags != SENT_BY_ACCEPTOR | ACCEPTOR_SUBKEY or filler != b"\xff" * 5:
                raise AssertionError("response MIC token header %s" % token[:16].hex())
            expected = token[:16] + self.gss.checkSumProfile.checksum(self.key, KG_USAGE_ACCEPTOR_SIGN,
                                                                       stub_and_pad + token[:16])
        if self.seq is not None and seq != self.seq + 1:
            raise AssertionError("response MIC sequence number %d after %d" % (seq, self.seq))
        if token != expected:
            raise AssertionError("response %d: MIC %s, expected %s" % (seq, token.hex(), expected.hex()))
        self.seq = seq
        self.checked += 1


def connect(port, kdc, level, iface=ECHO_IF, password=None):
    # The server principal impacket asks for is host/<the binding's host>: localhost, reached at 127.0.0.1.
    t = transport.DCERPCTransportFactory("ncacn_ip_tcp:localhost[%d]" % port)
    t.setRemoteHost("127.0.0.1")
    t.set_credentials("alice", kdc.users["alice"] if password is None else password, kdc.realm)
    t.set_kerberos(True, kdcHost="127.0.0.1")
    dce = t.get_dce_rpc()
    dce.set_auth_type(RPC_C_AUTHN_GSS_NEGOTIATE)
    dce.set_auth_level(level)
    dce.connect()
    dce.bind(uuidtup_to_bin(iface))
    return t, dce


def add(dce, a, b):
    r = Add()
    r["a"], r["b"] = a, b
    return dce.request(r, checkError=False)["sum"]


def tickets(kdc, enctype=None):
    """A credential cache of its own for impacket: alice's ticket-granting ticket and a service ticket whose
    session key is of `enctype` (the KDC's choice when None)."""
    path = os.path.join(kdc.dir, "ccache-%s" % (enctype or "default"))
    env = dict(kdc.env, KRB5CCNAME="FILE:" + path)
    subprocess.run(["kinit", "alice"], input=kdc.users["alice"] + "\n", text=True, env=env, check=True,
                   capture_output=True)
    subprocess.run(["kvno"] + (["-e", enctype] if enctype else []) + [kdc.service], env=env, check=True,
                   capture_output=True)
    os.environ["KRB5CCNAME"] = path  # impacket takes a path


def run(port, kdc):
    # AES (what the KDC gives by default) at pkt_privacy; impacket 0.10's AES MIC fails on Python 3 (it
    # appends a str pad to bytes), so pkt_integrity runs with its other implementation, RC4-HMAC (RFC 4757),
    # as does pkt_privacy once more.
    for enctype, levels in ((None, (RPC_C_AUTHN_LEVEL_PKT_PRIVACY,)),
                            ("rc4-hmac", (RPC_C_AUTHN_LEVEL_PKT_INTEGRITY, RPC_C_AUTHN_LEVEL_PKT_PRIVACY))):
        tickets(kdc, enctype)
        for level in levels:
            name = "%s, %s" % ("pkt_integrity" if level == RPC_C_AUTHN_LEVEL_PKT_INTEGRITY else "pkt_privacy",
                               enctype or "aes256-cts")
            t, dce = connect(port, kdc, level)
            verifier = watch_responses(t, ServerMics(dce)) if level == RPC_C_AUTHN_LEVEL_PKT_INTEGRITY else None
            check(add(dce, 40, 2) == 42, "%s: Add(40, 2) == 42 through impacket's Kerberos" % name)
            payload = os.urandom(150000)
            dce.call(0, payload)
            check(dce.recv() == payload, "%s: 150000-byte echo, each fragment protected both ways" % name)
            if verifier is not None:
                check(verifier.checked >= 4, "%s: %d response MIC tokens verified with the negotiated key"
                      % (name, verifier.checked))
            tamper_next_requests(t)
            expect_refusal(lambda: add(dce, 1, 2), "%s: a request changed after impacket protected it" % name)
            dce.disconnect()

            t, dce = connect(port, kdc, level, iface=WHO_IF)
            dce.call(0, b"")
            who = dce.recv()
            check(who == bytes([level]) + b"alice@MIDLC.TEST", "%s: the manager sees alice@MIDLC.TEST (%r)"
                  % (name, who))
            dce.disconnect()

    # A wrong password (no ticket in a cache): impacket cannot read the KDC's answer, so no ticket, no call.
    cache = os.environ.pop("KRB5CCNAME")
    try:
        connect(port, kdc, RPC_C_AUTHN_LEVEL_PKT_PRIVACY, password="wrong")
    except (KerberosError, SessionKeyDecryptionError) as e:
        check(True, "a wrong password gets no ticket (%s)" % type(e).__name__)
    else:
        raise AssertionError("a wrong password got a ticket")
    finally:
        os.environ["KRB5CCNAME"] = cache

    # The server kept serving through all of it.
    t, dce = connect(port, kdc, RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    check(add(dce, 20, 22) == 42, "the server still serves impacket's Kerberos callers")
    dce.disconnect()


def main():
    if os.environ.get("MIDLC_PRIVATE_NETWORK") != "1":
        if not installed():
            print("SKIP: krb5-kdc is not installed")
            return SKIP
        status = in_private_network(__file__)
        if status is None:
            print("SKIP: impacket's KDC port 88 needs root and unshare(1) for a private network namespace")
            return SKIP
        return status
    exe = sys.argv[1]
    use_tshark = "--tshark" in sys.argv[2:]
    with TestKdc(port=88, enctypes="aes256-cts:normal aes128-cts:normal rc4-hmac:normal") as kdc:
        server = subprocess.Popen([exe, "--krb5-keytab", kdc.keytab], env=kdc.env, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        try:
            binding = server.stdout.readline().strip()
            port = int(binding[binding.rindex("[") + 1:-1])
            print("KDC on port 88, server at", binding)
            cap = None
            path = os.path.join(tempfile.mkdtemp(), "krb5-impacket.pcapng")
            if use_tshark:
                cap, why = start_capture(port, path)
                if cap is None:
                    print("SKIP:", why)
                    return SKIP
            try:
                run(port, kdc)
            finally:
                stop_capture(cap)
            if cap is not None:
                analyse(port, path)
                fields = subprocess.run(
                    ["tshark", "-r", path, "-d", "tcp.port==%d,dcerpc" % port, "-Y", "dcerpc.auth_type == 9",
                     "-T", "fields", "-e", "dcerpc.pkt_type", "-e", "dcerpc.auth_level"],
                    capture_output=True, text=True, check=True).stdout.split("\n")
                seen = {tuple(line.split("\t")) for line in fields if line}
                check({("0", "5"), ("2", "5"), ("0", "6"), ("2", "6"), ("11", "5"), ("14", "6")} <= seen,
                      "tshark reads SPNEGO trailers at levels 5 and 6 on bind, alter_context, requests and "
                      "responses")
        finally:
            stop_server(server)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
