#!/usr/bin/env bash
# bench/stream/run.sh — streaming speed of the relay's replication client:
# `galaxis-relay binlog dump --source` (our protocol client + decoder, every
# row decoded) against `mariadb-binlog --read-from-remote-server --raw` (the
# server's own client copying bytes, no decoding) and against
# `mariadb-binlog --read-from-remote-server --verbose` (remote + decode),
# over loopback TCP from the same local MariaDB 10.11 master.
#
#   bench/stream/run.sh [BINLOG] [RUNS]
#
# BINLOG defaults to the >= 200 MB sysbench binlog of bench/decode/generate.sh
# (generated when missing). It is served by a throw-away mariadbd started in
# $WORK (default /var/tmp/galaxis-bench-stream) as its binlog.000001. The
# galaxis-relay binary is $GALAXIS_RELAY, else a Release build in
# build-release/ (configured and built when missing). hyperfine, median of
# RUNS (default 5) runs after one warm-up. Prints a markdown report and
# writes it to $WORK/LAST_RUN.md. The machine is shared: read the spread too.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BINLOG=${1:-/var/tmp/galaxis-bench-decode/bench.binlog}
RUNS=${2:-5}
RELAY=${GALAXIS_RELAY:-$REPO/build-release/cli/galaxis-relay}
WORK=${WORK:-/var/tmp/galaxis-bench-stream}
TMP=$(mktemp -d)

for tool in hyperfine mariadb-binlog mariadbd mariadb-install-db python3; do
  command -v "$tool" >/dev/null || { echo "run: $tool is missing" >&2; exit 1; }
done
if [[ ! -s "$BINLOG" ]]; then
  "$REPO/bench/decode/generate.sh" "$(dirname "$BINLOG")"
fi
if [[ ! -x "$RELAY" ]]; then
  cmake -S "$REPO" -B "$REPO/build-release" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGALAXIS_TESTS=OFF >/dev/null
  ninja -C "$REPO/build-release" galaxis-relay
fi

# A master whose first binlog is BINLOG (hard link when possible, else a copy).
rm -rf "$WORK/data"
mkdir -p "$WORK/data"
mariadb-install-db --no-defaults --datadir="$WORK/data" --auth-root-authentication-method=normal --skip-test-db \
  >"$WORK/install.log" 2>&1
ln "$BINLOG" "$WORK/data/binlog.000001" 2>/dev/null || cp "$BINLOG" "$WORK/data/binlog.000001"
echo "./binlog.000001" >"$WORK/data/binlog.index"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mariadbd --no-defaults --user=root --datadir="$WORK/data" --socket="$WORK/mysqld.sock" --port="$PORT" \
  --bind-address=127.0.0.1 --pid-file="$WORK/mysqld.pid" --log-error="$WORK/error.log" --server-id=1 \
  --log-bin="$WORK/data/binlog" --binlog-format=ROW --innodb-buffer-pool-size=64M &
SERVER_PID=$!
cleanup() {
  kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
for _ in $(seq 1 60); do
  mariadb --no-defaults -S "$WORK/mysqld.sock" -uroot -e "SELECT 1" >/dev/null 2>&1 && break
  sleep 1
done
# Root over TCP without a password, for both clients alike.
mariadb --no-defaults -S "$WORK/mysqld.sock" -uroot -e "DROP USER IF EXISTS ''@'localhost';
  CREATE USER IF NOT EXISTS root@'127.0.0.1'; GRANT ALL ON *.* TO root@'127.0.0.1'"

SIZE=$(stat -c %s "$BINLOG")
cat "$BINLOG" >/dev/null  # warm the page cache for every contender alike
REMOTE="--read-from-remote-server --host=127.0.0.1 --port=$PORT --user=root"
THEIRS_RAW="mariadb-binlog $REMOTE --raw --result-file=$TMP/raw- binlog.000001"
THEIRS_V="mariadb-binlog $REMOTE --verbose --base64-output=decode-rows binlog.000001"
OURS_NONE="$RELAY --log-level warn binlog dump --source mysql://root@127.0.0.1:$PORT --from binlog.000001:4 --format none"
OURS_TEXT="$RELAY --log-level warn binlog dump --source mysql://root@127.0.0.1:$PORT --from binlog.000001:4 --format text"

# Same work: the raw copy must be byte-identical to the file, and both
# decoded listings must show the same number of row values.
$THEIRS_RAW
cmp "$BINLOG" "$TMP/raw-binlog.000001" || { echo "run: raw copy differs from the binlog" >&2; exit 1; }
OUR_VALUES=$($OURS_TEXT | grep -c '^###   @' || true)
THEIR_VALUES=$($THEIRS_V 2>/dev/null | grep -c '^###   @' || true)
STATS=$($OURS_NONE 2>&1 >/dev/null)
EVENTS=$(sed -E 's/^decoded ([0-9]+) events.*/\1/' <<<"$STATS")
ROWS=$(sed -E 's/.* ([0-9]+) row changes.*/\1/' <<<"$STATS")

hyperfine --warmup 1 --runs "$RUNS" --export-json "$TMP/times.json" --style basic \
  -n "galaxis none" "$OURS_NONE 2>/dev/null" \
  -n "galaxis text" "$OURS_TEXT > /dev/null" \
  -n "mariadb-binlog raw" "$THEIRS_RAW" \
  -n "mariadb-binlog -v" "$THEIRS_V > /dev/null" >"$TMP/hyperfine.txt"

python3 - "$TMP/times.json" "$SIZE" "$EVENTS" "$ROWS" "$OUR_VALUES" "$THEIR_VALUES" "$RUNS" "$BINLOG" \
  >"$WORK/LAST_RUN.md" <<'PY'
import json, os, platform, statistics, subprocess, sys
times, size, events, rows, ours_v, theirs_v, runs, binlog = sys.argv[1:]
size, events, rows = int(size), int(events), int(rows)
res = {r["command"]: r["times"] for r in json.load(open(times))["results"]}
med = {k: statistics.median(v) for k, v in res.items()}
when = subprocess.run(["date", "-u", "+%Y-%m-%d %H:%M UTC"], capture_output=True, text=True).stdout.strip()
print(f"### bench/stream ({when})\n")
wl = os.path.join(os.path.dirname(binlog), "WORKLOAD.txt")
workload = open(wl).read().strip() if os.path.exists(wl) else binlog
print("```\n" + workload + f"\nserved by a local MariaDB 10.11 over 127.0.0.1 TCP (no TLS)\nmachine: {os.cpu_count()} cores, {platform.platform()} (shared with other jobs: noisy)\n```\n")
print(f"Stream: {size/1e6:.1f} MB, {events} events, {rows} row changes. Median of {runs} runs (hyperfine, 1 warm-up).\n")
print("| command | median s | min–max s | MB/s | events/s |")
print("|---|---|---|---|---|")
label = {
    "galaxis none": "`galaxis-relay binlog dump --source … --format none` (stream + decode every row)",
    "galaxis text": "`galaxis-relay binlog dump --source … --format text` (stream + decode + print)",
    "mariadb-binlog raw": "`mariadb-binlog --read-from-remote-server --raw` (copy, no decoding)",
    "mariadb-binlog -v": "`mariadb-binlog --read-from-remote-server --verbose --base64-output=decode-rows`",
}
for name in ["galaxis none", "galaxis text", "mariadb-binlog raw", "mariadb-binlog -v"]:
    t = res[name]
    print(f"| {label[name]} | {med[name]:.2f} | {min(t):.2f}–{max(t):.2f} | {size/1e6/med[name]:.0f} | {events/med[name]/1e6:.2f} M |")
print(f"\n**Ratios (medians):** decoding stream vs raw copy {med['mariadb-binlog raw']/med['galaxis none']:.2f}x "
      f"(target >= 1.0x); text vs `mariadb-binlog --verbose` {med['mariadb-binlog -v']/med['galaxis text']:.2f}x faster.\n")
print(f"Same work: the raw copy is byte-identical to the file; both listings show {ours_v} vs {theirs_v} row values (`###   @N=` lines).")
PY
cat "$TMP/hyperfine.txt"
echo
cat "$WORK/LAST_RUN.md"
