#!/usr/bin/python3
"""Samba's DCE/RPC server (samba-dcerpcd, Debian's `samba`) in a temporary folder on loopback, for srvinfo.

usage: samba_dcerpcd.py SRVINFO   starts Samba, runs `SRVINFO 127.0.0.1` against it (with --port when its
                                  endpoint mapper cannot have port 135), stops Samba; exits 77 if Samba is
                                  not installed
As a module: `with SambaDcerpcd() as samba:` gives samba.port (where srvsvc and wkssvc are served) and
samba.epmapper (whether the endpoint mapper answers on 127.0.0.1 port 135).

How Samba is run, and why:
- Everything it writes (state, locks, cache, pid, private, ncalrpc sockets, logs) is under the temporary
  folder, which stop() removes; `rpc start on demand helpers = false` lets samba-dcerpcd run standalone.
- It serves the rpcds it is given: rpcd_classic (srvsvc, wkssvc), rpcd_winreg (which rpcd_classic needs at
  start) and, as root with port 135 free, rpcd_epmapper. Each is started through a wrapper that passes
  `-l <log folder>`: samba-dcerpcd first runs each rpcd with --list-interfaces, and without -l that run
  opens its log in /var/log/samba before it reads the configuration.
- rpcd_classic and rpcd_winreg each take a port of `rpc server dynamic port range` (two free ports
  chosen here); which is whose is found by binding to srvsvc. Without root, that is the only way in.
- Anonymous clients may call NetrServerGetInfo, NetrShareEnum and NetrWkstaGetInfo with Samba's defaults;
  `restrict anonymous = 2` makes srvsvc refuse them (ERROR_ACCESS_DENIED) while wkssvc still answers.
- It runs in a session of its own, so stop() ends samba-dcerpcd and every worker it forked, by group.
- `SambaDcerpcd(account=PASSWORD)` adds one account to the passdb in the temporary folder (pdbedit), for
  clients that authenticate with NTLM: Samba wants a Unix account behind it, so it is the user running the
  test (samba.user), in the domain SRVINFOTEST (the netbios name: a standalone server's own accounts).
  Samba (4.15 on) refuses DCERPC_AUTH_LEVEL_CONNECT on srvsvc and wkssvc: such clients must sign.
"""
import ctypes
import os
import pwd
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

LIBEXEC = "/usr/libexec/samba"
DCERPCD = os.path.join(LIBEXEC, "samba-dcerpcd")
SRVSVC = ("4b324fc8-1670-01d3-1278-5a47bf6ee188", 3, 0)
NDR20 = ("8a885d04-1ceb-11c9-9fe8-08002b104860", 2, 0)
SKIP = 77

# Shares for NetrShareEnum to list besides IPC$; the second remark is not ASCII, to check UTF-16 handling.
SHARES = [
    ("public", "a public share"),
    ("docs", "documents \u2014 read only"),
]


class Unavailable(Exception):
    """Samba is not installed: a test skips."""


def installed():
    return all(os.access(p, os.X_OK) for p in (DCERPCD, os.path.join(LIBEXEC, "rpcd_classic"),
                                                  os.path.join(LIBEXEC, "rpcd_winreg")))


def port_free(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_port_pair():
    """Two consecutive free ports, from the kernel's ephemeral range."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port < 65535 and port_free(port) and port_free(port + 1):
            return port
    raise RuntimeError("no two consecutive free ports")


def listening(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def uuid_bytes(text):
    """A UUID as NDR puts it on the wire (first three fields little-endian)."""
    h = bytes.fromhex(text.replace("-", ""))
    return h[3::-1] + h[5:3:-1] + h[7:5:-1] + h[8:]


def serves(port, syntax, timeout=2.0):
    """Whether a bind to `syntax` on `port` is accepted: a bind PDU (C706 12.6.4.3) by hand, so that this
    script needs nothing beyond Python itself."""
    ctx = struct.pack("<HBB", 0, 1, 0) + uuid_bytes(syntax[0]) + struct.pack("<HH", syntax[1], syntax[2])
    ctx += uuid_bytes(NDR20[0]) + struct.pack("<HH", NDR20[1], NDR20[2])
    body = struct.pack("<HHIB3x", 4280, 4280, 0, 1) + ctx
    pdu = struct.pack("<BBBB4sHHI", 5, 0, 11, 3, b"\x10\0\0\0", 16 + len(body), 0, 1) + body
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(pdu)
            reply = b""
            while len(reply) < 16 or len(reply) < struct.unpack_from("<H", reply, 8)[0]:
                chunk = s.recv(4096)
                if not chunk:
                    return False
                reply += chunk
    except OSError:
        return False
    if reply[2] != 12:  # not a bind_ack
        return False
    # bind_ack: max frags, assoc group, secondary address (length, string, pad to 4), then the results.
    at = 16 + 8
    (sec_len,) = struct.unpack_from("<H", reply, at)
    at += 2 + sec_len
    at += (4 - at % 4) % 4
    (count,) = struct.unpack_from("<B", reply, at)
    (result,) = struct.unpack_from("<H", reply, at + 4)
    return count >= 1 and result == 0


def _die_with_parent():
    """In the child before exec: SIGTERM when this Python process dies, so that a killed test does not
    leave Samba running (samba-dcerpcd then stops its workers)."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def exit_on_sigterm():
    """SIGTERM (a timeout, a stopped CI job) unwinds like Ctrl-C, so `with SambaDcerpcd()` stops Samba."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))


class SambaDcerpcd:
    def __init__(self, restrict_anonymous=0, epmapper=True, startup_timeout=10.0, account=None):
        self.restrict_anonymous = restrict_anonymous
        self.account = account
        self.user = pwd.getpwuid(os.geteuid()).pw_name
        self.want_epmapper = epmapper
        self.startup_timeout = startup_timeout
        self.dir = None
        self.proc = None
        self.port = None
        self.epmapper = False

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def _write_config(self, first_port):
        d = self.dir
        conf = [
            "[global]",
            "  netbios name = SRVINFOTEST",
            "  workgroup = MIDLCTEST",
            "  server string = midlc srvinfo test",
            "  interfaces = lo",
            "  bind interfaces only = yes",
            "  rpc start on demand helpers = false",
            "  rpc server dynamic port range = %d-%d" % (first_port, first_port + 1),
            "  restrict anonymous = %d" % self.restrict_anonymous,
            "  load printers = no",
        ]

        for option, sub in (("private dir", "private"), ("lock directory", "lock"),
                            ("state directory", "state"), ("cache directory", "cache"),
                            ("pid directory", "pid"), ("ncalrpc dir", "ncalrpc")):
            conf.append("  %s = %s" % (option, os.path.join(d, sub)))
        for name, remark in SHARES:
            conf += ["[%s]" % name, "  path = %s" % os.path.join(d, "shares", name), "  comment = %s" % remark,
                     "  read only = yes", "  guest ok = yes"]
            os.makedirs(os.path.join(d, "shares", name))
        path = os.path.join(d, "smb.conf")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(conf) + "\n")
        return path

    def _wrapper(self, rpcd):
        path = os.path.join(self.dir, "rpcd", rpcd)
        with open(path, "w") as f:
            f.write('#!/bin/sh\nexec %s -l %s "$@"\n' % (os.path.join(LIBEXEC, rpcd), os.path.join(self.dir, "log")))
        os.chmod(path, 0o755)
        return path

    def start(self):
        if not installed():
            raise Unavailable("%s is not installed (Debian package samba)" % DCERPCD)
        # Another program may take a chosen port between the choice and Samba's bind: choose again.
        for attempt in range(3):
            try:
                self._start_once()
                return
            except RuntimeError:
                self.stop()
                if attempt == 2:
                    raise

    def _start_once(self):
        self.port = None
        self.dir = tempfile.mkdtemp(prefix="midlc-samba-")
        for sub in ("private", "lock", "state", "cache", "pid", "ncalrpc", "log", "rpcd"):
            os.makedirs(os.path.join(self.dir, sub))
        first = free_port_pair()
        conf = self._write_config(first)
        if self.account is not None:
            subprocess.run(["pdbedit", "-s", conf, "-a", "-u", self.user, "-t"],
                           input="%s\n%s\n" % (self.account, self.account), text=True, check=True,
                           capture_output=True, timeout=30)
        rpcds = [self._wrapper("rpcd_classic"), self._wrapper("rpcd_winreg")]
        self.epmapper = (self.want_epmapper and os.geteuid() == 0 and port_free(135)
                         and os.access(os.path.join(LIBEXEC, "rpcd_epmapper"), os.X_OK))
        if self.epmapper:
            rpcds.append(self._wrapper("rpcd_epmapper"))
        self.log = os.path.join(self.dir, "log", "samba-dcerpcd.out")
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(
                [DCERPCD, "-F", "--debug-stdout", "-d", "1", "-s", conf, "-l", os.path.join(self.dir, "log")] + rpcds,
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=_die_with_parent)
        wanted = [first, first + 1] + ([135] if self.epmapper else [])
        deadline = time.monotonic() + self.startup_timeout
        while not all(listening(p) for p in wanted):
            if self.proc.poll() is not None:
                raise RuntimeError("samba-dcerpcd exited with status %d:\n%s" % (self.proc.returncode, self.log_tail()))
            if time.monotonic() > deadline:
                raise RuntimeError("samba-dcerpcd did not listen on %s within %gs:\n%s"
                                   % (wanted, self.startup_timeout, self.log_tail()))
            time.sleep(0.05)
        for p in (first, first + 1):
            if serves(p, SRVSVC):
                self.port = p
                break
        if self.port is None:
            raise RuntimeError("neither port %d nor %d serves srvsvc:\n%s" % (first, first + 1, self.log_tail()))

    def log_tail(self, lines=30):
        try:
            with open(self.log, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def _group_alive(self):
        """Whether any process of Samba's group is still running (zombies waiting for init do not count)."""
        pgid = self.proc.pid
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % entry) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                return True
        return False

    def stop(self):
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            deadline = time.monotonic() + 5
            while self._group_alive() and time.monotonic() < deadline:
                time.sleep(0.05)
            if self._group_alive():
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.proc.wait()
            self.proc = None
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    exit_on_sigterm()
    try:
        with SambaDcerpcd() as samba:
            print("== samba-dcerpcd in %s: srvsvc and wkssvc on port %d, %s" % (
                samba.dir, samba.port,
                "the endpoint mapper on port 135" if samba.epmapper else
                "no endpoint mapper (it needs root and a free port 135)"), flush=True)
            command = [sys.argv[1], "127.0.0.1"] + ([] if samba.epmapper else ["--port", str(samba.port)])
            print("== " + " ".join([os.path.basename(command[0])] + command[1:]), flush=True)
            return subprocess.run(command, timeout=60).returncode
    except Unavailable as e:
        print("samba_dcerpcd: %s" % e, file=sys.stderr)
        return SKIP


if __name__ == "__main__":
    sys.exit(main())
