#!/usr/bin/python3
"""A Samba Active Directory domain controller (Debian's samba-ad-dc) of a test's own: its KDC, and its
srvsvc and wkssvc served by samba-dcerpcd, for clients that authenticate with Kerberos.

As a module, inside private namespaces (`in_private_namespaces(script)` runs a script again in new network,
mount and PID namespaces, as root): `with SambaAdDc() as dc:` gives dc.realm (MIDLC.TEST), dc.host
(dc1.midlc.test), dc.principal (host/dc1.midlc.test@MIDLC.TEST), dc.users {name: password}, dc.env (KRB5_CONFIG
for clients) and dc.srvsvc_port.

How it runs, and why:
- `samba-tool domain provision` writes the domain (no DNS server) into a temporary folder, from an empty
  configuration file (else the machine's smb.conf options are copied into the new one); users are created
  with `samba-tool user create`. It takes a few seconds.
- The domain controller (`samba -i -M single`) serves the KDC (port 88) and winbind only; srvsvc and wkssvc
  come from `samba-dcerpcd --libexec-rpcds` started standalone (`rpc start on demand helpers = no`), each
  rpcd on a port of the dynamic range: which one serves srvsvc is found by binding to it.
- The namespaces keep everything private: port 88 and the rpcds' ports on a loopback of their own, and bind
  mounts over /etc/hosts (dc1.midlc.test is 127.0.0.1: there is no DNS), /run/samba (libwbclient finds
  winbindd's socket only there) and /var/log/samba (the rpcds log there before reading the configuration).
  They go with the namespaces; the folder is removed by stop().
- Clients get a krb5.conf naming the KDC at 127.0.0.1 (the provisioned one relies on DNS).
"""
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import uuid

SKIP = 77
REALM = "MIDLC.TEST"
DOMAIN = "MIDLC"
HOST = "dc1.midlc.test"
ADMIN_PASSWORD = "Adm1n-Passw0rd!"
NAMESPACES = "MIDLC_PRIVATE_NAMESPACES"


class Unavailable(Exception):
    """samba-ad-dc is not installed, or this process cannot make private namespaces: a test skips."""


def installed():
    return all(shutil.which(p) for p in ("samba", "samba-tool")) and \
        os.access("/usr/libexec/samba/samba-dcerpcd", os.X_OK) and os.path.isdir("/usr/share/samba/setup")


def in_private_namespaces(script):
    """Runs `script` again (with this process's arguments) in new network, mount and PID namespaces, its
    loopback up: its exit status, or None if it cannot (not root, or no unshare/ip)."""
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("ip") is None:
        return None
    inner = "ip link set lo up && exec \"$0\" \"$@\""
    env = dict(os.environ, **{NAMESPACES: "1"})
    return subprocess.call(["unshare", "-n", "-m", "-p", "-f", "--mount-proc", "--propagation", "private", "sh",
                            "-c", inner, sys.executable, os.path.abspath(script)] + sys.argv[1:], env=env)


def _bind_pdu(iface_uuid, major, minor):
    """An unauthenticated bind of one interface (NDR 2.0), to find the port that serves it."""
    syntax = uuid.UUID(iface_uuid).bytes_le + struct.pack("<HH", major, minor)
    ndr = uuid.UUID("8a885d04-1ceb-11c9-9fe8-08002b104860").bytes_le + struct.pack("<I", 2)
    body = struct.pack("<HHI", 4280, 4280, 0) + struct.pack("<BBH", 1, 0, 0) + struct.pack("<HBB", 0, 1, 0) + \
        syntax + ndr
    return struct.pack("<BBBB4sHHI", 5, 0, 11, 3, b"\x10\0\0\0", 16 + len(body), 0, 1) + body


def _accepts(port, pdu):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(pdu)
            r = s.recv(4096)
    except OSError:
        return False
    if len(r) < 28 or r[2] != 12:  # bind_ack
        return False
    off = 26 + struct.unpack_from("<H", r, 24)[0]  # after the secondary address
    off += -off % 4
    return len(r) >= off + 6 and struct.unpack_from("<H", r, off + 4)[0] == 0  # first result: acceptance


def _listening_ports():
    ports = set()
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            if state == "0A":  # LISTEN
                ports.add(int(local.split(":")[1], 16))
    return ports


class SambaAdDc:
    def __init__(self, users=None, options=()):
        self.users = users or {"alice": "Al1ce-Passw0rd!"}
        self.options = list(options)  # more smb.conf [global] lines, e.g. "log level = 5"
        self.realm, self.domain, self.host = REALM, DOMAIN, HOST
        self.principal = "host/%s@%s" % (HOST, REALM)
        self.dir = None
        self.procs = []
        self.srvsvc_port = None

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def _run(self, *args):
        p = subprocess.run(list(args), env=self.env, capture_output=True, text=True, timeout=180)
        if p.returncode != 0:
            raise RuntimeError("%s failed:\n%s%s" % (" ".join(args[:3]), p.stdout[-2000:], p.stderr[-2000:]))

    def start(self):
        if not installed():
            raise Unavailable("samba-ad-dc is not installed")
        if os.environ.get(NAMESPACES) != "1":
            raise Unavailable("the domain controller runs in private namespaces only (in_private_namespaces)")
        self.dir = tempfile.mkdtemp(prefix="midlc-ad-")
        d = self.dir
        empty = os.path.join(d, "empty.conf")
        open(empty, "w").close()
        self.conf = os.path.join(d, "dc", "etc", "smb.conf")
        self.env = dict(os.environ, KRB5_CONFIG=os.path.join(d, "krb5.conf"),
                        KRB5CCNAME="FILE:" + os.path.join(d, "ccache"))
        with open(self.env["KRB5_CONFIG"], "w") as f:
            f.write("[libdefaults]\n  default_realm = %s\n  dns_lookup_realm = false\n  dns_lookup_kdc = false\n"
                    "  rdns = false\n  dns_canonicalize_hostname = false\n"
                    "[realms]\n  %s = {\n    kdc = 127.0.0.1\n  }\n"
                    "[domain_realm]\n  .midlc.test = %s\n  midlc.test = %s\n" % (REALM, REALM, REALM, REALM))
        self._run("samba-tool", "domain", "provision", "-s", empty, "--targetdir=" + os.path.join(d, "dc"),
                  "--realm=" + REALM, "--domain=" + DOMAIN, "--server-role=dc", "--dns-backend=NONE",
                  "--adminpass=" + ADMIN_PASSWORD, "--host-name=dc1", "--host-ip=127.0.0.1",
                  "--option=interfaces=lo", "--option=bind interfaces only=yes")
        # The namespace's own /etc/hosts, /run/samba and /var/log/samba.
        for name in ("run", "log", "runsamba", "varlog", "usershares"):
            os.makedirs(os.path.join(d, name), exist_ok=True)
        with open(os.path.join(d, "hosts"), "w") as f:
            f.write("127.0.0.1 localhost\n127.0.0.1 %s dc1\n" % HOST)
        for source, target in (("hosts", "/etc/hosts"), ("runsamba", "/run/samba"), ("varlog", "/var/log/samba")):
            if os.path.exists(target):
                self._run("mount", "--bind", os.path.join(d, source), target)
        with open(self.conf) as f:
            lines = [line for line in f.read().splitlines() if not line.strip().startswith("server services")]
        extra = ["\tserver services = kdc, winbindd", "\trpc start on demand helpers = no",
                 "\tpid directory = %s/run" % d, "\tncalrpc dir = %s/run/ncalrpc" % d,
                 "\tntp signd socket directory = %s/run/ntp_signd" % d, "\tlog file = %s/log/log.%%m" % d,
                 "\tsmb passwd file = %s/dc/private/smbpasswd" % d, "\tusershare path = %s/usershares" % d]
        extra += ["\t" + option for option in self.options]
        at = lines.index("[global]") + 1
        with open(self.conf, "w") as f:
            f.write("\n".join(lines[:at] + extra + lines[at:]) + "\n")
        for user, password in self.users.items():
            self._run("samba-tool", "user", "create", user, password, "-s", self.conf)
        self._start(["samba", "-i", "-M", "single", "-s", self.conf], "samba.log")
        self._wait(lambda: 88 in _listening_ports() and
                   os.path.exists(os.path.join(d, "runsamba", "winbindd", "pipe")), "the KDC and winbindd")
        self._start(["/usr/libexec/samba/samba-dcerpcd", "--libexec-rpcds", "-i", "-s", self.conf], "dcerpcd.log")
        srvsvc = _bind_pdu("4b324fc8-1670-01d3-1278-5a47bf6ee188", 3, 0)

        def found():
            for port in sorted(p for p in _listening_ports() if p >= 49152):
                if _accepts(port, srvsvc):
                    self.srvsvc_port = port
                    return True
            return False
        self._wait(found, "srvsvc")

    def _start(self, args, log):
        with open(os.path.join(self.dir, log), "w") as out:
            self.procs.append(subprocess.Popen(args, env=self.env, stdin=subprocess.DEVNULL, stdout=out,
                                               stderr=subprocess.STDOUT))

    def _wait(self, ready, what, timeout=60):
        deadline = time.monotonic() + timeout
        while not ready():
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.procs):
                raise RuntimeError("%s did not start:\n%s" % (what, self.log_tail()))
            time.sleep(0.05)

    def log_tail(self):
        text = ""
        for name in ("samba.log", "dcerpcd.log"):
            try:
                with open(os.path.join(self.dir, name), errors="replace") as f:
                    text += "== %s\n%s" % (name, "".join(f.readlines()[-15:]))
            except OSError:
                pass
        return text

    def stop(self):
        for p in reversed(self.procs):
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = []
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
