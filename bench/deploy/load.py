#!/usr/bin/env python3
"""Bounded webhook load: RATE signed GitHub push requests per second for
SECONDS, open loop (a request is sent at its scheduled time, on one of
CONNS keep-alive connections), each with its own delivery ID. Prints
p50/p99/max of the answer time in ms and the status counts."""
import hashlib, hmac, http.client, json, sys, threading, time

port, secret, sha, rate, seconds, conns = sys.argv[1], sys.argv[2].encode(), sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), 4
body = json.dumps({"ref": "refs/heads/main", "after": sha}).encode()
sig = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
total = int(rate * seconds)
start = time.perf_counter() + 0.2
lat, statuses, lock = [], {}, threading.Lock()

def worker(k):
    c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)
    for i in range(k, total, conns):
        due = start + i / rate
        now = time.perf_counter()
        if due > now:
            time.sleep(due - now)
        t = time.perf_counter()
        c.request("POST", "/", body, {"X-GitHub-Event": "push", "X-GitHub-Delivery": f"bench-{int(start*1000)}-{i}",
                                      "X-Hub-Signature-256": sig, "Content-Type": "application/json"})
        r = c.getresponse(); r.read()
        # From the scheduled time: a late send counts against us (no coordinated omission).
        d = (time.perf_counter() - min(t, max(due, t - 1))) * 1000
        with lock:
            lat.append(d); statuses[r.status] = statuses.get(r.status, 0) + 1

threads = [threading.Thread(target=worker, args=(k,)) for k in range(conns)]
[t.start() for t in threads]; [t.join() for t in threads]
lat.sort()
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
print(f"requests={len(lat)} rate={rate}/s p50_ms={p(0.5):.2f} p99_ms={p(0.99):.2f} max_ms={lat[-1]:.2f} statuses={statuses}")
