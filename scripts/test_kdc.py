#!/usr/bin/python3
"""An MIT Kerberos KDC (Debian's krb5-kdc) in a temporary folder on loopback, for the tests.

As a module: `with TestKdc() as kdc:` gives kdc.env (KRB5_CONFIG and KRB5CCNAME for the processes that use
it), kdc.realm, kdc.keytab (the service principal's keys, for a server) and kdc.users {name: password}.
Everything (configuration, database, stash, keytab, credential cache, log) lives in the folder, which stop()
removes with the KDC; the KDC listens on a free port of 127.0.0.1 only (or the port given, e.g. 88 inside a
private network namespace), named in the krb5.conf it writes.
The service principal is host/localhost@MIDLC.TEST; name canonicalization and reverse DNS are off, so the
name means what it says.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time

REALM = "MIDLC.TEST"
SERVICE = "host/localhost"
SBIN = "/usr/sbin"


class Unavailable(Exception):
    """krb5-kdc is not installed: a test skips."""


def installed():
    return all(os.access(os.path.join(SBIN, p), os.X_OK) for p in ("krb5kdc", "kdb5_util", "kadmin.local"))


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, socket.socket() as t:
        t.bind(("127.0.0.1", 0))
        port = t.getsockname()[1]
        u.bind(("127.0.0.1", port))  # the KDC takes the port on UDP and TCP
        return port


class TestKdc:
    def __init__(self, users=None, port=None, enctypes=None):
        self.users = users or {"alice": "Al1ce-krb5"}
        self.fixed_port = port  # None: a free port; 88 for clients that only know Kerberos's own
        # The principals' keys (kdc.conf supported_enctypes), e.g. "aes256-cts:normal rc4-hmac:normal" for a
        # client that needs RC4 (RFC 4757) tickets; None: MIT's default (AES).
        self.enctypes = enctypes
        self.realm = REALM
        self.service = "%s@%s" % (SERVICE, REALM)
        self.dir = None
        self.proc = None

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def _run(self, *args, stdin=None):
        subprocess.run(list(args), env=self.env, input=stdin, text=True, check=True, capture_output=True,
                       timeout=60)

    def start(self):
        if not installed():
            raise Unavailable("krb5kdc is not installed (Debian package krb5-kdc)")
        self.dir = tempfile.mkdtemp(prefix="midlc-kdc-")
        d = self.dir
        self.port = self.fixed_port or free_port()
        self.keytab = os.path.join(d, "server.keytab")
        with open(os.path.join(d, "krb5.conf"), "w") as f:
            f.write("[libdefaults]\n  default_realm = %s\n  dns_lookup_kdc = false\n  dns_lookup_realm = false\n"
                    "  dns_canonicalize_hostname = false\n  rdns = false\n  udp_preference_limit = 1\n%s"
                    "[realms]\n  %s = {\n    kdc = 127.0.0.1:%d\n  }\n"
                    % (REALM, "  allow_rc4 = true\n" if self.enctypes and "rc4" in self.enctypes else "",
                       REALM, self.port))
        with open(os.path.join(d, "kdc.conf"), "w") as f:
            f.write("[kdcdefaults]\n  kdc_listen = 127.0.0.1:%d\n  kdc_tcp_listen = 127.0.0.1:%d\n"
                    "[realms]\n  %s = {\n    database_name = %s\n    key_stash_file = %s\n"
                    "    acl_file = %s\n%s  }\n[logging]\n  kdc = FILE:%s\n"
                    % (self.port, self.port, REALM, os.path.join(d, "principal"), os.path.join(d, "stash"),
                       os.path.join(d, "kadm5.acl"),
                       "    supported_enctypes = %s\n" % self.enctypes if self.enctypes else "",
                       os.path.join(d, "kdc.log")))
        open(os.path.join(d, "kadm5.acl"), "w").close()
        self.env = dict(os.environ, KRB5_CONFIG=os.path.join(d, "krb5.conf"),
                        KRB5_KDC_PROFILE=os.path.join(d, "kdc.conf"),
                        KRB5CCNAME="FILE:" + os.path.join(d, "ccache"))
        self._run(os.path.join(SBIN, "kdb5_util"), "-r", REALM, "create", "-s", "-P", "midlc-master-key")
        admin = os.path.join(SBIN, "kadmin.local")
        for user, password in self.users.items():
            self._run(admin, "-r", REALM, "-q", "addprinc -pw %s %s" % (password, user))
        self._run(admin, "-r", REALM, "-q", "addprinc -randkey %s" % SERVICE)
        self._run(admin, "-r", REALM, "-q", "ktadd -k %s %s" % (self.keytab, SERVICE))
        self.proc = subprocess.Popen([os.path.join(SBIN, "krb5kdc"), "-n", "-r", REALM], env=self.env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 10
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("krb5kdc did not start:\n" + self.log_tail())
            time.sleep(0.05)

    def log_tail(self, lines=20):
        try:
            with open(os.path.join(self.dir, "kdc.log"), errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
