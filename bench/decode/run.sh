#!/usr/bin/env bash
# bench/decode/run.sh — decode speed of `galaxis-relay binlog dump` against
# `mariadb-binlog --verbose --base64-output=decode-rows` on the same file and
# the same sink (/dev/null), plus raw decode throughput and peak RSS.
#
#   bench/decode/run.sh [BINLOG] [RUNS]
#
# BINLOG defaults to the one bench/decode/generate.sh writes (generated when
# missing). The galaxis-relay binary is $GALAXIS_RELAY, else a Release build
# in build-release/ (configured and built when missing). Uses hyperfine
# (median of RUNS runs, default 7, one warm-up; page cache warm) and
# /usr/bin/time -v for peak RSS. Prints a markdown report and writes it to
# LAST_RUN.md next to the binlog. The machine is shared: read the spread too.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
BINLOG=${1:-/var/tmp/galaxis-bench-decode/bench.binlog}
RUNS=${2:-7}
RELAY=${GALAXIS_RELAY:-$REPO/build-release/cli/galaxis-relay}
REPORT=$(dirname "$BINLOG")/LAST_RUN.md
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

for tool in hyperfine /usr/bin/time mariadb-binlog python3; do
  command -v "$tool" >/dev/null || { echo "run: $tool is missing (apt-get install hyperfine time)" >&2; exit 1; }
done
if [[ ! -s "$BINLOG" ]]; then
  "$REPO/bench/decode/generate.sh" "$(dirname "$BINLOG")"
fi
if [[ ! -x "$RELAY" ]]; then
  cmake -S "$REPO" -B "$REPO/build-release" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGALAXIS_TESTS=OFF >/dev/null
  ninja -C "$REPO/build-release" galaxis-relay
fi

SIZE=$(stat -c %s "$BINLOG")
cat "$BINLOG" >/dev/null  # warm the page cache for every contender alike

OURS_TEXT="$RELAY binlog dump --format text $BINLOG"
OURS_NONE="$RELAY binlog dump --format none $BINLOG"
THEIRS="mariadb-binlog --verbose --base64-output=decode-rows $BINLOG"

# Same work done? Both listings must show the same number of row values.
OUR_VALUES=$($OURS_TEXT | grep -c '^###   @' || true)
THEIR_VALUES=$($THEIRS 2>/dev/null | grep -c '^###   @' || true)
STATS=$($OURS_NONE 2>&1 >/dev/null)
EVENTS=$(sed -E 's/^decoded ([0-9]+) events.*/\1/' <<<"$STATS")
ROWS=$(sed -E 's/.* ([0-9]+) row changes.*/\1/' <<<"$STATS")

hyperfine --warmup 1 --runs "$RUNS" --export-json "$TMP/times.json" --style basic \
  -n "galaxis-relay text" "$OURS_TEXT > /dev/null" \
  -n "mariadb-binlog -v" "$THEIRS > /dev/null" \
  -n "galaxis-relay none" "$OURS_NONE 2>/dev/null" >"$TMP/hyperfine.txt"

# Peak RSS (KiB) and CPU seconds (user + sys) of one run: CPU time is less
# disturbed than wall time by other jobs on a shared machine.
measure() {
  /usr/bin/time -v bash -c "$1" 2>&1 >/dev/null | awk -F': ' '
    /Maximum resident set size/ {rss=$2} /User time/ {u=$2} /System time/ {s=$2}
    END {printf "%s %.2f\n", rss, u+s}'
}
peak_rss_kb() { measure "$1" | cut -d' ' -f1; }
read -r RSS_TEXT CPU_TEXT < <(measure "$OURS_TEXT > /dev/null")
read -r RSS_NONE CPU_NONE < <(measure "$OURS_NONE 2>/dev/null")
read -r RSS_THEIRS CPU_THEIRS < <(measure "$THEIRS > /dev/null")
# RSS independent of file size: the first quarter of the same file.
QUARTER=$((SIZE / 4))
RSS_QUARTER=$(peak_rss_kb "$RELAY binlog dump --format text --stop-position $QUARTER $BINLOG > /dev/null")

python3 - "$TMP/times.json" "$SIZE" "$EVENTS" "$ROWS" "$OUR_VALUES" "$THEIR_VALUES" \
  "$RSS_TEXT" "$RSS_NONE" "$RSS_THEIRS" "$RSS_QUARTER" "$RUNS" "$BINLOG" "$CPU_TEXT" "$CPU_NONE" "$CPU_THEIRS" \
  >"$REPORT" <<'PY'
import json, statistics, sys, os, platform, subprocess
(times, size, events, rows, ours_v, theirs_v, rss_text, rss_none, rss_theirs, rss_quarter, runs, binlog,
 cpu_text, cpu_none, cpu_theirs) = sys.argv[1:]
size, events, rows = int(size), int(events), int(rows)
res = {r["command"]: r for r in json.load(open(times))["results"]}
def med(name): return statistics.median(res[name]["times"])
def spread(name): t = res[name]["times"]; return f"{min(t):.2f}–{max(t):.2f}"
ours, theirs, none = med("galaxis-relay text"), med("mariadb-binlog -v"), med("galaxis-relay none")
workload = ""
wl = os.path.join(os.path.dirname(binlog), "WORKLOAD.txt")
if os.path.exists(wl): workload = open(wl).read().strip()
print(f"### bench/decode ({subprocess.run(['date','-u','+%Y-%m-%d %H:%M UTC'],capture_output=True,text=True).stdout.strip()})\n")
print("```\n" + workload + f"\nmachine: {os.cpu_count()} cores, {platform.platform()} (shared with other jobs: noisy)\n```\n")
print(f"File: {size/1e6:.1f} MB, {events} events, {rows} row changes. Median of {runs} runs, warm page cache, output to /dev/null.\n")
print("| command | median s | min–max s | MB/s | events/s | peak RSS |")
print("|---|---|---|---|---|---|")
print(f"| `galaxis-relay binlog dump --format text` | {ours:.2f} | {spread('galaxis-relay text')} | {size/1e6/ours:.0f} | {events/ours/1e6:.2f} M | {int(rss_text)/1024:.1f} MiB |")
print(f"| `mariadb-binlog --verbose --base64-output=decode-rows` | {theirs:.2f} | {spread('mariadb-binlog -v')} | {size/1e6/theirs:.0f} | {events/theirs/1e6:.2f} M | {int(rss_theirs)/1024:.1f} MiB |")
print(f"| `galaxis-relay binlog dump --format none` (decode only) | {none:.2f} | {spread('galaxis-relay none')} | {size/1e6/none:.0f} | {events/none/1e6:.2f} M | {int(rss_none)/1024:.1f} MiB |")
print(f"\n**Ratio (text vs mariadb-binlog, medians): {theirs/ours:.1f}x faster.** Target: >= 3x.\n")
print(f"CPU time (user+sys, one run): text {float(cpu_text):.2f} s, mariadb-binlog {float(cpu_theirs):.2f} s "
      f"({float(cpu_theirs)/float(cpu_text):.1f}x), decode only {float(cpu_none):.2f} s.\n")
print(f"Same work: both listings show {ours_v} vs {theirs_v} row values (`###   @N=` lines).")
print(f"RSS vs file size: text dump of the first quarter {int(rss_quarter)/1024:.1f} MiB, whole file {int(rss_text)/1024:.1f} MiB.")
PY
cat "$TMP/hyperfine.txt"
echo
cat "$REPORT"
