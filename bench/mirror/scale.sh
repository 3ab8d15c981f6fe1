#!/usr/bin/env bash
# bench/mirror/scale.sh — the 1,000,000-file tree: initial copy and no-change
# cycle time, peak RSS, memory per file (local -> local; not part of the test
# suite). Files are 16 bytes in 1,000 directories, so the cost is per entry,
# not per byte. Needs ~2 x 4 KiB x N of disk and 2 x N inodes; the tree is
# removed at the end. Env: GALAXIS_BENCH_DIR (default /tmp/galaxis-bench-scale),
# GALAXIS_RELAY_BINARY, SCALE_FILES (default 1000000), SCALE_ROUNDS (default 3).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RELAY=${GALAXIS_RELAY_BINARY:-$HERE/../../build/release/cli/galaxis-relay}
DIR=${GALAXIS_BENCH_DIR:-/tmp/galaxis-bench-scale}
FILES=${SCALE_FILES:-1000000}
ROUNDS=${SCALE_ROUNDS:-3}

rm -rf "$DIR" && mkdir -p "$DIR"
trap 'rm -rf "$DIR"' EXIT
echo "generating $FILES files..." >&2
python3 - "$DIR/src" "$FILES" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
per_dir = max(1, n // 1000)
for i in range(n):
    d = f"{root}/d{i // per_dir:04}"
    if i % per_dir == 0:
        os.makedirs(d, exist_ok=True)
    with open(f"{d}/f{i:07}", "wb") as f:
        f.write(b"0123456789abcdef")
PY

run() {  # run LABEL command...: prints "LABEL wall user sys maxrss_kib"
  local label=$1
  shift
  /usr/bin/time -f "$label %e %U %S %M" "$@" 2>&1 >/dev/null | tail -1
}
MIRROR=("$RELAY" --log-level warn mirror --settle 0 --quiet --delete "$DIR/src" "$DIR/dst")
RSYNC=(rsync -a --delete "$DIR/src/" "$DIR/dst-rsync/")

sync
run mirror-initial "${MIRROR[@]}"
rsync -a "$DIR/dst/" "$DIR/dst-rsync/" --exclude=/.galaxis-mirror  # rsync's copy for its own no-change run
for ((r = 1; r <= ROUNDS; r++)); do
  sync
  if ((r % 2)); then
    run mirror-nochange "${MIRROR[@]}"
    run rsync-nochange "${RSYNC[@]}"
  else
    run rsync-nochange "${RSYNC[@]}"
    run mirror-nochange "${MIRROR[@]}"
  fi
done
echo "index bytes: $(stat -c %s "$DIR/dst/.galaxis-mirror/index")"
echo "files: $FILES; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
