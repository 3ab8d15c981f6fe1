#!/usr/bin/env bash
# bench/mirror/watch_latency.sh — `mirror --watch`: time from a file being
# closed on SRC until it is visible on DEST, over N files (default 1000)
# written one after another into a tree of 1,000 files. Target: p99 within
# --settle + 1 s (closed files skip the settle wait via IN_CLOSE_WRITE).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RELAY=${GALAXIS_RELAY_BINARY:-$HERE/../../build/release/cli/galaxis-relay}
DIR=${GALAXIS_BENCH_DIR:-/tmp/galaxis-bench-mirror-watch}
N=${1:-1000}
SETTLE=${SETTLE:-2}
rm -rf "$DIR" && mkdir -p "$DIR/src"
for d in $(seq -w 0 9); do mkdir -p "$DIR/src/d$d"; done
python3 -c "
import os
for i in range(1000): open('$DIR/src/d%d/old%04d' % (i % 10, i), 'wb').write(os.urandom(4096))"
"$RELAY" --log-level warn mirror --watch --settle "$SETTLE" --quiet "$DIR/src" "$DIR/dst" &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -rf "$DIR"' EXIT
python3 - "$DIR" "$N" "$SETTLE" <<'PY'
import os, sys, time
root, n, settle = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
deadline = time.time() + 120
while not os.path.exists(f"{root}/dst/.galaxis-mirror/complete.json"):
    if time.time() > deadline: sys.exit("the first cycle did not complete")
    time.sleep(0.01)
lat = []
for i in range(n):
    rel = f"d{i % 10}/new{i:05}.jpg"
    with open(f"{root}/src/{rel}", "wb") as f:
        f.write(os.urandom(20000))
    t0 = time.time()  # closed here
    while not os.path.exists(f"{root}/dst/{rel}"):
        if time.time() - t0 > 30: sys.exit(f"{rel} not mirrored within 30 s")
        time.sleep(0.001)
    lat.append(time.time() - t0)
lat.sort()
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
print(f"--watch --settle {settle:g}: {n} files closed on SRC, visible on DEST after "
      f"p50 {p(0.5)*1000:.0f} ms, p99 {p(0.99)*1000:.0f} ms, max {lat[-1]*1000:.0f} ms "
      f"(target p99 <= settle + 1 s = {(settle + 1)*1000:.0f} ms: {'met' if p(0.99) <= settle + 1 else 'NOT met'})")
PY
