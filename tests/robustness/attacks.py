#!/usr/bin/env python3
"""Replays the resource attacks of issue 13 against a real midlrt server over loopback.

Usage: attacks.py ROBUST_SERVER [--sanitized] [--only NAME ...]

Each attack starts its own robust_server process (so its memory is measured alone), attacks it with raw
DCE/RPC PDUs, checks the server kept its bound and still serves a well-behaved client, and stops it. Every
attack is bounded in time and count. Prints one line per attack with its figures, then 'N passed, N failed';
exits non-zero if any failed. --sanitized (an ASan/UBSan server) widens the memory and time bounds, which
the sanitizers' own bookkeeping inflates, and skips fd_exhaustion: UBSan's vptr check probes memory through a
pipe, so in a process with no free descriptor it reports every virtual call as an invalid object.
"""

import os
import resource
import select
import signal
import socket
import statistics
import struct
import subprocess
import sys
import time
import uuid

IFACE = uuid.UUID("5e1d3c2b-7a69-4f58-9e47-36251403f2e1")
NDR = uuid.UUID("8a885d04-1ceb-11c9-9fe8-08002b104860")
OP_ECHO, OP_SIZE, OP_SLOW = 0, 1, 2
PT_REQUEST, PT_RESPONSE, PT_FAULT, PT_BIND, PT_BIND_ACK = 0, 2, 3, 11, 12
FIRST, LAST, CONC_MPX, DID_NOT_EXECUTE = 0x01, 0x02, 0x10, 0x20
WHOLE = FIRST | LAST
SERVER_TOO_BUSY = 0x6BB
MiB = 1 << 20
ATTACK_SECONDS = 120  # no attack may take longer
SLACK = 1.0  # memory and time bounds are multiplied by this (--sanitized: 2)


def header(ptype, flags, frag_length, call_id):
    return struct.pack("<BBBB4sHHI", 5, 0, ptype, flags, b"\x10\x00\x00\x00", frag_length, 0, call_id)


def bind_pdu(flags=WHOLE | CONC_MPX):
    body = struct.pack("<HHIB3x", 65528, 65528, 0, 1)
    body += struct.pack("<HBx", 0, 1) + IFACE.bytes_le + struct.pack("<HH", 1, 0)
    body += NDR.bytes_le + struct.pack("<I", 2)
    return header(PT_BIND, flags, 16 + len(body), 1) + body


def request_pdu(call_id, opnum, stub=b"", flags=WHOLE, alloc_hint=None):
    hint = len(stub) if alloc_hint is None else alloc_hint
    return header(PT_REQUEST, flags, 24 + len(stub), call_id) + struct.pack("<IHH", hint, 0, opnum) + stub


class Peer:
    """One raw connection: sends PDUs, reads whole PDUs."""

    def __init__(self, port, bind=True, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        if bind:
            self.sock.sendall(bind_pdu())
            ptype, _, _, _ = self.pdu()
            if ptype != PT_BIND_ACK:
                raise RuntimeError("bind refused")

    def pdu(self, timeout=10.0):
        """(ptype, flags, call_id, body after the 16-byte header); raises on close or timeout."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 16:
                (frag_length,) = struct.unpack_from("<H", self.buf, 8)
                if len(self.buf) >= frag_length:
                    p, self.buf = self.buf[:frag_length], self.buf[frag_length:]
                    (call_id,) = struct.unpack_from("<I", p, 12)
                    return p[2], p[3], call_id, p[16:]
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no PDU")
            self.sock.settimeout(left)
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("closed by the server")
            self.buf += chunk

    def answer(self, timeout=10.0):
        """('response', stub bytes) or ('fault', (status, flags)) for the next call."""
        stub = b""
        while True:
            ptype, flags, _, body = self.pdu(timeout)
            if ptype == PT_FAULT:
                (status,) = struct.unpack_from("<I", body, 8)
                return "fault", (status, flags)
            if ptype != PT_RESPONSE:
                raise RuntimeError("unexpected PDU type %d" % ptype)
            stub += body[8:]
            if flags & LAST:
                return "response", stub

    def call(self, call_id, opnum, stub=b"", timeout=10.0):
        self.sock.sendall(request_pdu(call_id, opnum, stub))
        return self.answer(timeout)

    def closed_by_server(self, timeout):
        """True if the server closes the connection within `timeout` seconds (whatever it sent first)."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self.sock.settimeout(max(0.01, deadline - time.monotonic()))
                if not self.sock.recv(65536):
                    return True
        except socket.timeout:
            return False
        except OSError:
            return True
        return False

    def close(self):
        self.sock.close()


class Server:
    """A robust_server process; stopped (and waited for) by stop()."""

    def __init__(self, exe, *args):
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "quarantine_size_mb=16")  # freed memory must show as freed
        self.proc = subprocess.Popen([exe, *map(str, args)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env=env)
        line = self.proc.stdout.readline().strip()  # ncacn_ip_tcp:127.0.0.1[PORT]
        self.port = int(line[line.index("[") + 1:line.index("]")])

    def rss_mb(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
        return 0.0

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def alive(self):
        return self.proc.poll() is None

    def serves(self):
        """A well-behaved client's call is answered."""
        try:
            p = Peer(self.port)
            kind, stub = p.call(2, OP_ECHO, b"hello")
            p.close()
            return kind == "response" and stub == b"hello"
        except (OSError, RuntimeError):
            return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def send_until_blocked(sock, data, stall_seconds):
    """Sends data until the peer stops taking it for `stall_seconds`; returns the bytes sent."""
    sock.setblocking(False)
    sent = 0
    view = memoryview(data)
    try:
        while sent < len(data):
            _, w, _ = select.select([], [sock], [], stall_seconds)
            if not w:
                break
            try:
                sent += sock.send(view[sent:sent + (1 << 20)])
            except BlockingIOError:
                continue
            except OSError:
                break
    finally:
        sock.setblocking(True)
    return sent


# ---- the attacks: each returns (passed, figures) ----

def attack_unread_responses(exe):
    """Requests whose replies are never read: the server stops reading, and its memory stays bounded."""
    s = Server(exe)
    try:
        base = s.rss_mb()
        p = Peer(s.port)
        stub = b"x" * (16 * 1024)
        data = b"".join(request_pdu(i + 2, OP_ECHO, stub) for i in range(8000))  # 128 MiB of replies
        sent = send_until_blocked(p.sock, data, 2.0)
        grown = s.rss_mb() - base
        others = s.serves()
        p.close()
        time.sleep(0.3)
        serves = s.serves()
        ok = grown < 64 * SLACK and others and serves
        return ok, "sent %.1f of %.0f MiB before the server stopped reading; RSS +%.1f MB (bound %.0f); " \
                   "other clients served: %s" % (sent / MiB, len(data) / MiB, grown, 64 * SLACK, others and serves)
    finally:
        s.stop()


def attack_reassembly(exe):
    """Six connections each hold a 60 MiB request short of its last fragment."""
    s = Server(exe)
    peers = []
    try:
        base = s.rss_mb()
        frag = b"r" * 65000
        refused = 0
        for _ in range(6):
            p = Peer(s.port)
            peers.append(p)
            chunks = []
            for i in range(60 * MiB // len(frag)):
                chunks.append(request_pdu(2, OP_SIZE, frag, FIRST if i == 0 else 0, alloc_hint=60 * MiB))
            send_until_blocked(p.sock, b"".join(chunks), 5.0)
            kind, detail = p.call(3, OP_SIZE)  # after the fragments: did this connection's request survive?
            if kind == "fault":
                refused += 1
        grown = s.rss_mb() - base
        for p in peers:
            p.close()
        serves = s.serves()
        ok = grown < 300 * SLACK and refused >= 1 and serves
        return ok, "RSS +%.0f MB for 6 x 60 MiB held (bound %.0f: 256 MiB of reassembly and slack); %d of 6 " \
                   "refused as too busy; server serves: %s" % (grown, 300 * SLACK, refused, serves)
    except (OSError, RuntimeError) as e:
        return False, "error: %s" % e
    finally:
        for p in peers:
            p.close()
        s.stop()


def attack_calls_in_flight(exe):
    """2 x 25,000 calls to a slow asynchronous manager, then disconnect."""
    s = Server(exe, "--slow-ms", 3000)
    try:
        base = s.rss_mb()
        refused = 0
        for _ in range(2):
            p = Peer(s.port)
            p.sock.sendall(b"".join(request_pdu(i + 2, OP_SLOW) for i in range(25000)))
            here = 0
            try:
                while here < 25000 - 4096:
                    kind, detail = p.answer(timeout=5)
                    if kind == "fault" and detail[0] == SERVER_TOO_BUSY and detail[1] & DID_NOT_EXECUTE:
                        here += 1
            except TimeoutError:
                pass  # no more refusals came
            refused += here
            p.close()
        grown = s.rss_mb() - base
        serves = s.serves()
        ok = refused >= 2 * (25000 - 4096) and grown < 40 * SLACK and serves
        return ok, "%d of 50,000 refused as too busy (did not execute); RSS +%.1f MB (bound %.0f); " \
                   "server serves: %s" % (refused, grown, 40 * SLACK, serves)
    except (OSError, RuntimeError) as e:
        return False, "error: %s" % e
    finally:
        s.stop()


def attack_partial_flood(exe):
    """100,000 first fragments on one connection while another client calls."""
    s = Server(exe)
    try:
        cpu0 = s.cpu_seconds()
        flood = Peer(s.port)
        other = Peer(s.port)
        data = b"".join(request_pdu(i + 2, OP_ECHO, b"", FIRST) for i in range(100000))
        flood.sock.setblocking(False)
        view = memoryview(data)
        sent = 0
        latencies = []
        deadline = time.monotonic() + 60
        while (sent < len(data) or len(latencies) < 50) and time.monotonic() < deadline:
            if sent < len(data):
                try:
                    sent += flood.sock.send(view[sent:sent + 256 * 1024])
                except BlockingIOError:
                    pass
            t = time.monotonic()
            kind, _ = other.call(len(latencies) + 2, OP_ECHO, b"ping")
            latencies.append(time.monotonic() - t)
            if kind != "response":
                return False, "the other client's call failed"
        cpu = s.cpu_seconds() - cpu0
        worst = max(latencies) * 1000
        ok = sent == len(data) and worst < 500 * SLACK and s.serves()
        return ok, "100,000 first fragments sent: %s; the other client's worst call %.1f ms (bound %.0f), " \
                   "median %.2f ms; server CPU %.2f s" % (sent == len(data), worst, 500 * SLACK,
                                                          statistics.median(latencies) * 1000, cpu)
    except (OSError, RuntimeError) as e:
        return False, "error: %s" % e
    finally:
        s.stop()


def attack_fd_exhaustion(exe):
    """Connections beyond the server's descriptor limit: no spinning, existing clients served, recovery."""
    s = Server(exe, "--fd-limit", 64)
    peers = []
    try:
        first = Peer(s.port)
        for _ in range(100):
            peers.append(Peer(s.port, bind=False))
        time.sleep(0.5)
        cpu0 = s.cpu_seconds()
        time.sleep(2.0)
        cpu = s.cpu_seconds() - cpu0
        kind, _ = first.call(2, OP_ECHO, b"still")
        served = kind == "response"
        for p in peers[:60]:  # every accepted one, so that the server can take all that wait
            p.close()
        waiting = peers[-1]
        waiting.sock.sendall(bind_pdu())
        ptype, _, _, _ = waiting.pdu(timeout=10)
        recovered = ptype == PT_BIND_ACK
        ok = cpu < 0.3 * SLACK and served and recovered
        return ok, "server CPU %.2f s in 2 s at its fd limit (bound 0.3); open connection served: %s; " \
                   "a waiting connection accepted after descriptors freed: %s" % (cpu, served, recovered)
    except (OSError, RuntimeError) as e:
        return False, "error: %s" % e
    finally:
        for p in peers:
            p.close()
        s.stop()


def attack_slow_clients(exe):
    """Half a header, a header alone, a first fragment alone: closed after the read timeout (1 s here)."""
    s = Server(exe, "--read-timeout-ms", 1000)
    try:
        idle = Peer(s.port)
        stalled = []
        req = request_pdu(2, OP_ECHO, b"z" * 1000)
        for part in (req[:8], req[:24], request_pdu(2, OP_ECHO, b"z" * 100, FIRST)):
            p = Peer(s.port)
            p.sock.sendall(part)
            stalled.append(p)
        t = time.monotonic()
        closed = all(p.closed_by_server(10) for p in stalled)
        took = time.monotonic() - t
        kind, _ = idle.call(2, OP_ECHO, b"idle")
        ok = closed and kind == "response"
        return ok, "3 stalled connections closed: %s (after %.1f s; read timeout 1 s); an idle one kept " \
                   "and served: %s" % (closed, took, kind == "response")
    except (OSError, RuntimeError) as e:
        return False, "error: %s" % e
    finally:
        s.stop()


def attack_idle_connections(exe):
    """1,000 idle connections (default options) while a normal client calls."""
    s = Server(exe)
    peers = []
    try:
        normal = Peer(s.port)

        def median_ms():
            times = []
            for i in range(300):
                t = time.monotonic()
                normal.call(i + 2, OP_ECHO, b"x" * 16)
                times.append(time.monotonic() - t)
            return statistics.median(times) * 1000

        before = median_ms()
        for _ in range(1000):
            peers.append(Peer(s.port))
        after = median_ms()
        kept = s.serves() and all(p.call(2, OP_ECHO, b"k")[0] == "response" for p in peers[::100])
        ok = kept and after < max(5.0 * SLACK, 3 * before)
        return ok, "median call %.3f ms alone, %.3f ms beside 1,000 idle connections (bound: max(5 ms, 3x)); " \
                   "idle connections kept: %s" % (before, after, kept)
    except (OSError, RuntimeError) as e:
        return False, "error: %s" % e
    finally:
        for p in peers:
            p.close()
        s.stop()


def attack_max_request(exe):
    """A request of exactly 64 MiB (the documented maximum) in small fragments is served; one byte more is not."""
    s = Server(exe)
    try:
        results = []
        for total in (64 * MiB, 64 * MiB + 1):
            p = Peer(s.port)
            frag = 5000
            chunks = []
            for off in range(0, total, frag):
                n = min(frag, total - off)
                flags = (FIRST if off == 0 else 0) | (LAST if off + n == total else 0)
                chunks.append(request_pdu(2, OP_SIZE, b"m" * n, flags, alloc_hint=0))
            send_until_blocked(p.sock, b"".join(chunks), 5.0)
            if total == 64 * MiB:
                kind, stub = p.answer(timeout=20)
                results.append(kind == "response" and struct.unpack("<I", stub)[0] == total)
            else:
                results.append(p.closed_by_server(10))
            p.close()
        ok = all(results) and s.serves()
        return ok, "exactly 64 MiB in 5,000-byte fragments served: %s; 64 MiB + 1 refused: %s" % tuple(results)
    except (OSError, RuntimeError) as e:
        return False, "error: %s" % e
    finally:
        s.stop()


ATTACKS = [
    ("unread_responses", attack_unread_responses),
    ("reassembly", attack_reassembly),
    ("calls_in_flight", attack_calls_in_flight),
    ("partial_flood", attack_partial_flood),
    ("fd_exhaustion", attack_fd_exhaustion),
    ("slow_clients", attack_slow_clients),
    ("idle_connections", attack_idle_connections),
    ("max_request", attack_max_request),
]


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    global SLACK
    exe = sys.argv[1]
    args = sys.argv[2:]
    if args[:1] == ["--sanitized"]:
        SLACK = 2.0
        args = args[1:]
    only = args[1:] if args[:1] == ["--only"] else None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))

    def overtime(signum, frame):
        raise TimeoutError("attack took longer than %d s" % ATTACK_SECONDS)

    signal.signal(signal.SIGALRM, overtime)
    passed = failed = skipped = 0
    for name, attack in ATTACKS:
        if only and name not in only:
            continue
        if SLACK > 1 and name == "fd_exhaustion":
            print("SKIP %s: not under the sanitizers (see --sanitized)" % name, flush=True)
            skipped += 1
            continue
        t = time.monotonic()
        signal.alarm(ATTACK_SECONDS)
        try:
            ok, figures = attack(exe)
        except Exception as e:  # an attack that breaks is a failure, reported, not a crash of the script
            ok, figures = False, "error: %r" % e
        finally:
            signal.alarm(0)
        print("%s %s (%.1f s): %s" % ("PASS" if ok else "FAIL", name, time.monotonic() - t, figures), flush=True)
        if ok:
            passed += 1
        else:
            failed += 1
    print("%d passed, %d failed" % (passed, failed) + (", %d skipped" % skipped if skipped else ""))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
