#!/usr/bin/env python3
"""Bounded webhook load: RATE signed GitHub push requests per second for
SECONDS, open loop, on CONNS keep-alive connections, each request with its
own delivery ID. Prints p50/p99/max of the answer time in ms and the status
counts.

One thread and non-blocking sockets (selectors): the client itself must not
add latency. A multi-threaded http.client loop added ms of GIL hand-offs and
thread wake-ups per request on the loaded 2-core box, which showed up as
server latency. A request is due at start + i/RATE; the answer time is
measured from when it was due, so a late send (all connections busy, or
the client descheduled) counts against the server (no coordinated
omission).

usage: load.py PORT SECRET SHA RATE SECONDS [BRANCH [CONNS [tls]]]"""
import ctypes, hashlib, hmac, json, os, selectors, socket, ssl, struct, sys, time

# The client is the instrument: on this shared box its own wake-ups queued
# behind other jobs for whole scheduler slices and were counted against the
# server. Like the server's I/O thread (http/src/short_slice.h) it asks for
# the kernel's shortest EEVDF slice (Linux >= 6.12; same nice, no more CPU).
# LOAD_DEFAULT_SLICE=1 measures without it.
if os.environ.get("LOAD_DEFAULT_SLICE") != "1":
    try:
        attr = struct.pack("IIQiIQQQII", 56, 0, 0, os.getpriority(os.PRIO_PROCESS, 0), 0, 100_000, 0, 0, 0, 0)
        ctypes.CDLL(None, use_errno=True).syscall(314, 0, ctypes.c_char_p(attr), 0)  # sched_setattr (x86-64)
    except OSError:
        pass

port, secret, sha, rate, seconds = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
branch = sys.argv[6] if len(sys.argv) > 6 else "main"
conns = int(sys.argv[7]) if len(sys.argv) > 7 else 4
use_tls = len(sys.argv) > 8 and sys.argv[8] == "tls"
body = json.dumps({"ref": "refs/heads/" + branch, "after": sha}).encode()
sig = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
total = int(rate * seconds)
tag = int(time.time() * 1000)


def request(i):
    head = (f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-GitHub-Event: push\r\n"
            f"X-GitHub-Delivery: bench-{tag}-{i}\r\nX-Hub-Signature-256: {sig}\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


# One client context for every connection: ssl.create_default_context() per
# connection loads the system CA bundle each time (~20 ms of the client's own
# CPU), which showed up as the server's p99 at every keep-alive reconnect.
# The certificate is a throw-away self-signed one: no verification.
TLS_CONTEXT = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
TLS_CONTEXT.check_hostname, TLS_CONTEXT.verify_mode = False, ssl.CERT_NONE


class Conn:
    def __init__(self):
        raw = socket.create_connection(("127.0.0.1", port))
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if use_tls:
            raw = TLS_CONTEXT.wrap_socket(raw)
        # Non-blocking from the start: TLS 1.3 session tickets make the
        # socket readable before any request, and a blocking recv would wait.
        raw.setblocking(False)
        self.s, self.buf, self.due, self.busy = raw, b"", 0.0, False

    def send(self, i, due):
        self.s.setblocking(True)
        self.s.sendall(request(i))  # ~300 bytes: never blocks in practice
        self.s.setblocking(False)
        self.due, self.busy = due, True

    def response(self):
        """Status of a complete response in buf (consumed), else None."""
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return None
        head = self.buf[:end].decode("latin-1").split("\r\n")
        length, self.closing = 0, False
        for line in head[1:]:
            k, _, v = line.partition(":")
            if k.strip().lower() == "content-length":
                length = int(v)
            if k.strip().lower() == "connection" and v.strip().lower() == "close":
                self.closing = True  # the server's keep-alive limit (100 requests)
        if len(self.buf) < end + 4 + length:
            return None
        self.buf = self.buf[end + 4 + length:]
        return int(head[0].split()[1])


pool = [Conn() for _ in range(conns)]
sel = selectors.DefaultSelector()
for c in pool:
    sel.register(c.s, selectors.EVENT_READ, c)
lat, statuses = [], {}
start = time.perf_counter() + 0.2
sent = rr = 0
while len(lat) < total:
    now = time.perf_counter()
    while sent < total and start + sent / rate <= now:
        # Round robin over the free connections: always taking the first one
        # left the others idle past the server's read timeout (5 s) when
        # answers were quick, and it closed them.
        free = next((pool[(rr + k) % conns] for k in range(conns) if not pool[(rr + k) % conns].busy), None)
        if free is None:
            break  # all busy: sent when one answers, still timed from its due time
        rr = (pool.index(free) + 1) % conns
        free.send(sent, start + sent / rate)
        sent += 1
    wait = max(0.0, start + sent / rate - time.perf_counter()) if sent < total else 1.0
    for key, _ in sel.select(timeout=min(wait, 1.0)):
        c = key.data
        try:
            data = c.s.recv(65536)
        except (BlockingIOError, ssl.SSLWantReadError):
            continue
        if not data:
            sys.exit("server closed a connection")
        c.buf += data
        while use_tls and c.s.pending():
            c.buf += c.s.recv(c.s.pending())
        status = c.response()
        if status is not None:
            lat.append((time.perf_counter() - c.due) * 1000)
            statuses[status] = statuses.get(status, 0) + 1
            c.busy = False
            if c.closing:  # reconnecting is part of the cost, as for a forge
                sel.unregister(c.s)
                c.s.close()
                fresh = Conn()
                pool[pool.index(c)] = fresh
                sel.register(fresh.s, selectors.EVENT_READ, fresh)
lat.sort()
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
print(f"requests={len(lat)} rate={rate}/s conns={conns} p50_ms={p(0.5):.2f} p99_ms={p(0.99):.2f} "
      f"max_ms={lat[-1]:.2f} statuses={statuses}")
