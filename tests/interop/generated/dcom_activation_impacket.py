#!/usr/bin/python3
"""impacket's DCOM client activates a class a generated server registered, and uses the object.

usage: dcom_activation_impacket.py OBJECTS_SERVER [--midlrtd MIDLRTD | --tshark | --ntlm]
impacket's own classes do the DCOM parts, unmodified: dcomrt.DCOMConnection connects to the activator,
CoCreateInstanceEx(CLSID_Factory, IID_IFactory) sends IRemoteSCMActivator::RemoteCreateInstance with its
activation properties and reads the server's (PropsOutInfo, ScmReplyInfoData), RemQueryInterface asks the
object for INotifier, INTERFACE.request calls IFactory::CreateCounter, whose returned OBJREF becomes an
INTERFACE whose ICounter::Add it calls, and RemRelease gives both back: the server's counter goes. Then
IRemoteSCMActivator.RemoteGetClassObject gets the class's IClassFactory, whose RemoteCreateInstance makes
another IFactory. The method parameters are impacket NDR classes (dcom_objects_impacket.py, and
IClassFactory's here).

Port 135: DCOMConnection reaches the activator at its target; a target with a port ("127.0.0.1[port]")
gets through activation, but impacket then files its connection under the target as given and looks it up
under the bare host when it calls the object (a KeyError). So the server listens on 135, Windows' port, in
a private network namespace of its own (unshare -n, as root): the script runs itself again inside one,
brings its loopback up, and nothing outside it is touched. Without root or unshare it skips (exit 77).
With --midlrtd, port 135 is midlrtd's, the machine's activator, and the server listens on a dynamic port and
registers its class there (ept_insert under CLSID_Factory): impacket's request goes to midlrtd, which passes
it on to the server, and impacket then calls the server where the reply's OXID bindings say (not captured:
the capture watches one port).
With --tshark the traffic is captured and must dissect without malformed packets (exit 77, a ctest skip,
when capturing is not permitted).
With --ntlm the server requires pkt_integrity of its activator, IRemUnknown and objects, and accepts NTLM
for one account: impacket's unauthenticated activation is refused, its NTLM one (at pkt_integrity) works,
and its object calls are made at the level the reply's authnHint names (5), NTLM-signed.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

from impacket.dcerpc.v5 import dcomrt, transport
from impacket.dcerpc.v5.dtypes import ULONG
from impacket.dcerpc.v5.rpcrt import (DCERPCException, RPC_C_AUTHN_LEVEL_NONE, RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
                                      RPC_C_AUTHN_WINNT)
from impacket.uuid import string_to_bin, uuidtup_to_bin

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "rpc"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_interop import SKIP, Skipped, analyse, check, in_private_network, run_captured, stop  # noqa: E402
from dcom_calls import u32  # noqa: E402
from dcom_objects_impacket import ICOUNTER, IFACTORY, Add, CreateCounter, Live  # noqa: E402

CLSID_FACTORY = "6a0f5c1e-2d3b-4c4d-8e5f-9a0b1c2d3e10"
INOTIFIER = ("6a0f5c1e-2d3b-4c4d-8e5f-9a0b1c2d3e04", "0.0")


class RemoteCreateInstance(dcomrt.DCOMCALL):
    """IClassFactory::RemoteCreateInstance, the [call_as] form of CreateInstance (opnum 3)."""
    opnum = 3
    structure = (("riid", dcomrt.IID),)


class RemoteCreateInstanceResponse(dcomrt.DCOMANSWER):
    structure = (("ppvObject", dcomrt.PMInterfacePointer), ("hr", ULONG))


def live(factory):
    return factory.request(Live(), uuidtup_to_bin(IFACTORY), factory.get_iPid())["counters"]


# With --ntlm: the server requires pkt_integrity of every caller (its objects, IRemUnknown, the activator)
# and accepts NTLM for this account; impacket authenticates the activation with it and makes its object
# calls at the level the reply's authnHint names.
NTLM_USER = ("alice", "Passw0rd!", "TESTDOM")
ntlm = False


def connection():
    if ntlm:
        return dcomrt.DCOMConnection("127.0.0.1", *NTLM_USER, authLevel=RPC_C_AUTHN_LEVEL_PKT_INTEGRITY)
    return dcomrt.DCOMConnection("127.0.0.1", authLevel=RPC_C_AUTHN_LEVEL_NONE)


def refused_unauthenticated():
    dcom = dcomrt.DCOMConnection("127.0.0.1", authLevel=RPC_C_AUTHN_LEVEL_NONE)
    try:
        dcom.CoCreateInstanceEx(string_to_bin(CLSID_FACTORY), uuidtup_to_bin(IFACTORY))
    except DCERPCException as e:
        check("rpc_s_access_denied" in str(e), "an unauthenticated activation is refused (%s)" % e)
    else:
        raise AssertionError("an unauthenticated activation succeeded")
    finally:
        dcom.disconnect()


def run():
    if ntlm:
        refused_unauthenticated()
    dcom = connection()
    try:
        factory = dcom.CoCreateInstanceEx(string_to_bin(CLSID_FACTORY), uuidtup_to_bin(IFACTORY))
        check(factory.get_iPid() is not None and factory.get_oxid() is not None,
              "CoCreateInstanceEx gives an IFactory interface with its IPID and OXID")

        notifier = factory.RemQueryInterface(1, [uuidtup_to_bin(INOTIFIER)])
        check(notifier.get_iPid() != factory.get_iPid(), "RemQueryInterface gives INotifier its own IPID")

        req = CreateCounter()
        req["start"] = 41
        resp = factory.request(req, uuidtup_to_bin(IFACTORY), factory.get_iPid())
        check(u32(resp["hr"]) == 0, "IFactory::CreateCounter(41) is S_OK")
        counter = dcomrt.INTERFACE(factory.get_cinstance(), b"".join(resp["counter"]["abData"]),
                                   factory.get_ipidRemUnknown(), target=factory.get_target())
        check(counter.get_oxid() == factory.get_oxid(), "the counter lives in the same exporter")
        req = Add()
        req["n"] = 1
        resp = counter.request(req, uuidtup_to_bin(ICOUNTER), counter.get_iPid())
        check(resp["total"] == 42, "ICounter::Add(1) on it is 42")
        check(live(factory) == 1, "the server holds one counter")

        dcomrt.IRemUnknown2(counter).RemRelease()
        deadline = time.time() + 5
        while live(factory) != 0 and time.time() < deadline:
            time.sleep(0.05)
        check(live(factory) == 0, "the server's counter went with its last reference")
        notifier.RemRelease()
        factory.RemRelease()
        class_object(dcom, factory.get_oxid())
        return factory.get_oxid()
    finally:
        dcom.disconnect()


def class_object(dcom, oxid):
    """impacket's IRemoteSCMActivator.RemoteGetClassObject gets the class object, whose
    IClassFactory::RemoteCreateInstance makes a new IFactory; that factory's counter works, and both go."""
    # A connection of its own: impacket binds the activator interface again for each request, and a second
    # bind on one connection is a protocol error to midlrt (as to Samba).
    t = transport.DCERPCTransportFactory("ncacn_ip_tcp:127.0.0.1[135]")
    if ntlm:
        t.set_credentials(*NTLM_USER)
    rpc = t.get_dce_rpc()
    if ntlm:
        rpc.set_auth_type(RPC_C_AUTHN_WINNT)
        rpc.set_auth_level(RPC_C_AUTHN_LEVEL_PKT_INTEGRITY)
    rpc.connect()
    scm = dcomrt.IRemoteSCMActivator(rpc)
    factory_class = scm.RemoteGetClassObject(string_to_bin(CLSID_FACTORY), dcomrt.IID_IClassFactory)
    check(factory_class.get_oxid() == oxid, "RemoteGetClassObject gives a class object of the same exporter")
    req = RemoteCreateInstance()
    req["riid"] = uuidtup_to_bin(IFACTORY)
    resp = factory_class.request(req, dcomrt.IID_IClassFactory, factory_class.get_iPid())
    check(u32(resp["hr"]) == 0, "IClassFactory::RemoteCreateInstance(IID_IFactory) is S_OK")
    factory = dcomrt.INTERFACE(factory_class.get_cinstance(), b"".join(resp["ppvObject"]["abData"]),
                               factory_class.get_ipidRemUnknown(), target=factory_class.get_target())
    check(factory.get_iPid() != factory_class.get_iPid(), "the new object has an IPID of its own")
    req = CreateCounter()
    req["start"] = 1
    resp = factory.request(req, uuidtup_to_bin(IFACTORY), factory.get_iPid())
    counter = dcomrt.INTERFACE(factory.get_cinstance(), b"".join(resp["counter"]["abData"]),
                               factory.get_ipidRemUnknown(), target=factory.get_target())
    req = Add()
    req["n"] = 2
    check(counter.request(req, uuidtup_to_bin(ICOUNTER), counter.get_iPid())["total"] == 3,
          "the counter of the class object's new factory adds: 1 + 2 = 3")
    dcomrt.IRemUnknown2(counter).RemRelease()
    deadline = time.time() + 5
    while live(factory) != 0 and time.time() < deadline:
        time.sleep(0.05)
    check(live(factory) == 0, "its counter went with its last reference")
    dcomrt.IRemUnknown2(factory).RemRelease()
    factory_class.RemRelease()
    rpc.disconnect()


def dissected_activation(path, oxid):
    """tshark reads both activation replies as Windows' (ISystemActivator: RemoteCreateInstance, opnum 4,
    and RemoteGetClassObject, opnum 3): the properties, the OBJREF in PropsOutInfo and ScmReplyInfoData
    name the exporter impacket called."""
    lines = subprocess.run(
        ["tshark", "-r", path, "-d", "tcp.port==135,dcerpc", "-Y", "isystemactivator && dcerpc.pkt_type==2",
         "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,", "-e", "dcerpc.opnum",
         "-e", "isystemactivator.customhdr.clsid", "-e", "dcom.objref.flags", "-e", "dcom.oxid",
         "-e", "isystemactivator.properties.scmresp.oxid"],
        capture_output=True, text=True, check=True).stdout.splitlines()
    replies = [line.split("\t") for line in lines]
    check(sorted(r[0] for r in replies) == ["3", "4"],
          "tshark dissects two activation replies, RemoteGetClassObject's and RemoteCreateInstance's: %s"
          % [r[0] for r in replies])
    for opnum, clsids, flags, oxids, scm_oxid in replies:
        check(clsids == "00000339-0000-0000-c000-000000000046,000001b6-0000-0000-c000-000000000046",
              "opnum %s: its properties are PropsOutInfo and ScmReplyInfoData" % opnum)
        check(flags == "0x00000004,0x00000001", "opnum %s: a custom OBJREF (the properties) holding a standard one"
              % opnum)
        check(int(oxids, 16) == oxid and int(scm_oxid, 16) == oxid,
              "opnum %s: the standard OBJREF and ScmReplyInfoData name the exporter's OXID %#x" % (opnum, oxid))


def main():
    if os.environ.get("MIDLC_PRIVATE_NETWORK") != "1":
        status = in_private_network(__file__)
        if status is None:
            print("SKIP: port 135 needs root and unshare(1) for a private network namespace")
            return SKIP
        return status
    global ntlm
    server_exe = sys.argv[1]
    use_tshark = "--tshark" in sys.argv[2:]
    ntlm = "--ntlm" in sys.argv[2:]
    tmp = tempfile.mkdtemp()
    midlrtd = sys.argv[sys.argv.index("--midlrtd") + 1] if "--midlrtd" in sys.argv else None
    daemon = None
    if midlrtd:
        daemon = subprocess.Popen([midlrtd, "--listen", "ncacn_ip_tcp:127.0.0.1[135]"], stdout=subprocess.PIPE,
                                  text=True)
        line = daemon.stdout.readline().strip()
        check(line == "listening ncacn_ip_tcp:127.0.0.1[135]", "midlrtd listens on port 135: " + line)
        server = subprocess.Popen([server_exe, "--epm", "ncacn_ip_tcp:127.0.0.1[135]"], stdout=subprocess.PIPE,
                                  text=True)
    elif ntlm:
        users = os.path.join(tmp, "users")
        with open(users, "w") as f:
            f.write("%s:%s:%s\n" % (NTLM_USER[2], NTLM_USER[0], NTLM_USER[1]))
        server = subprocess.Popen([server_exe, "--port", "135", "--ntlm-users", users, "--min-level", "5"],
                                  stdout=subprocess.PIPE, text=True)
    else:
        server = subprocess.Popen([server_exe, "--port", "135"], stdout=subprocess.PIPE, text=True)
    port = 135
    try:
        check(server.stdout.readline().startswith("objref="), "the server printed its factory")
        line = server.stdout.readline().strip()
        if midlrtd:
            check(line.startswith("binding=ncacn_ip_tcp:127.0.0.1[") and not line.endswith("[135]"),
                  "the server listens on a dynamic port and registered with midlrtd: " + line)
        else:
            check(line == "binding=ncacn_ip_tcp:127.0.0.1[135]", "the server listens on port 135: " + line)
        path = os.path.join(tmp, "activation.pcapng")
        try:
            oxid = run_captured(port, path, use_tshark, run)
        except Skipped as e:
            print("SKIP:", e)
            return SKIP
        if use_tshark:
            analyse(port, path, tolerated={("IOXIDResolver", "Long frame")})
            dissected_activation(path, oxid)
    finally:
        stop(server)
        stop(daemon)
        shutil.rmtree(tmp, ignore_errors=True)
    check(server.returncode == 0, "the server stopped cleanly")
    check(daemon is None or daemon.returncode == 0, "midlrtd stopped cleanly")
    return 0


if __name__ == "__main__":
    sys.exit(main())
